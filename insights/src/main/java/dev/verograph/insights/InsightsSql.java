package dev.verograph.insights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Function;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;

/**
 * The job's SQL: the raw event tables' columns, and the views under src/main/resources/sql that
 * compute each insight. The launcher and the tests both build the pipeline from here, only the
 * connectors of the tables differ (Kafka in the job, in-memory bytes in the tests).
 */
public final class InsightsSql {
  private InsightsSql() {}

  /** The views to create, in order; each insight's last view is its result (see {@link #RESULTS}). */
  static final List<String> FILES =
      List.of("events.sql", "trending_tags.sql", "post_engagement.sql", "follower_changes.sql", "throttles.sql");

  /**
   * Each insight's result view, by the topic it is published to, in a fixed order: the job's
   * operators are identified by the shape of its graph, and the same job must have the same graph
   * on every start to resume from its checkpoints (Map.of's order differs from run to run).
   */
  public static final Map<String, String> RESULTS = orderedResults();

  private static Map<String, String> orderedResults() {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("insights.trending_tags", "trending_tag_results");
    results.put("insights.post_engagement", "post_engagement_results");
    results.put("insights.follower_changes", "follower_change_results");
    results.put("insights.throttles", "throttle_results");
    return Collections.unmodifiableMap(results);
  }

  /** The protobuf message class of each result topic (generated from proto/verograph/insights/v1). */
  public static final Map<String, String> RESULT_MESSAGES =
      Map.of(
          "insights.trending_tags", "verograph.insights.v1.Insights$TrendingTagResult",
          "insights.post_engagement", "verograph.insights.v1.Insights$PostEngagementBucket",
          "insights.follower_changes", "verograph.insights.v1.Insights$FollowerChangeBucket",
          "insights.throttles", "verograph.insights.v1.Insights$Throttle");

  public static final String POST_EVENT_MESSAGE = "verograph.posts.v1.Events$PostEvent";
  public static final String USER_EVENT_MESSAGE = "verograph.users.v1.Events$UserEvent";

  private static final String TIMESTAMP = "ROW<seconds BIGINT, nanos INT>";
  private static final String ENVELOPE =
      "envelope ROW<message_id STRING, aggregate_id STRING, occurred_at " + TIMESTAMP + ">";

  /**
   * The columns of post_events: the fields of verograph.posts.v1.PostEvent that the insights read,
   * named as in the .proto (the protobuf format matches them by name), one per oneof case read.
   */
  static String postEventColumns(Duration maxOutOfOrderness) {
    return String.join(
        ",\n  ",
        ENVELOPE,
        "post_created ROW<post_id STRING, author_id STRING, audience STRING, tags ARRAY<STRING>>",
        "post_loved ROW<post_id STRING, user_id STRING>",
        "comment_added ROW<post_id STRING, author_id STRING>",
        eventTime(maxOutOfOrderness));
  }

  /** The columns of user_events, from verograph.users.v1.UserEvent. */
  static String userEventColumns(Duration maxOutOfOrderness) {
    return String.join(
        ",\n  ",
        ENVELOPE,
        "followed ROW<follower_id STRING, followee_id STRING>",
        "unfollowed ROW<follower_id STRING, followee_id STRING>",
        "connection_requested ROW<requester_id STRING, addressee_id STRING>",
        eventTime(maxOutOfOrderness));
  }

  /**
   * Event time is the envelope's occurred_at. The watermark trails the newest event time by the
   * allowed out-of-orderness: an event older than the watermark when it arrives is late, and the
   * window operators drop it (Flink counts it in their numLateRecordsDropped metric).
   */
  private static String eventTime(Duration maxOutOfOrderness) {
    long ms = maxOutOfOrderness.toMillis();
    return "occurred_at AS TO_TIMESTAMP_LTZ(envelope.occurred_at.seconds * 1000 + envelope.occurred_at.nanos / 1000000, 3),\n  "
        + String.format("WATERMARK FOR occurred_at AS occurred_at - INTERVAL '%d.%03d' SECOND", ms / 1000, ms % 1000);
  }

  /** The columns of a result table: a record key, then the fields of its protobuf message. */
  static String resultColumns(String topic) {
    return switch (topic) {
      case "insights.trending_tags" ->
          "record_key STRING, `window` STRING, tag STRING, uses BIGINT, authors BIGINT, window_start "
              + TIMESTAMP + ", window_end " + TIMESTAMP;
      case "insights.post_engagement" ->
          "record_key STRING, post_id STRING, author_id STRING, loves BIGINT, comments BIGINT, window_start "
              + TIMESTAMP + ", window_end " + TIMESTAMP;
      case "insights.follower_changes" ->
          "record_key STRING, user_id STRING, gained BIGINT, lost BIGINT, window_start " + TIMESTAMP
              + ", window_end " + TIMESTAMP;
      case "insights.throttles" ->
          "record_key STRING, user_id STRING, `action` STRING, `until` " + TIMESTAMP
              + ", attempts BIGINT, `limit` BIGINT";
      default -> throw new IllegalArgumentException("no insight is published to " + topic);
    };
  }

  /** Creates every view, given tables post_events and user_events with the columns above. */
  public static void createViews(TableEnvironment tableEnv, InsightsConfig config) {
    Map<String, String> values =
        Map.of(
            "trendingMinAuthors", Integer.toString(config.trendingMinAuthors()),
            "floodCommentsPerMinute", Integer.toString(config.floodCommentsPerMinute()),
            "floodFollowsPerMinute", Integer.toString(config.floodFollowsPerMinute()),
            "floodConnectionRequestsPerMinute", Integer.toString(config.floodConnectionRequestsPerMinute()),
            "floodStepSeconds", Integer.toString(config.floodStepSeconds()));
    for (String file : FILES) {
      for (String statement : statements(substitute(resource("sql/" + file), values))) {
        tableEnv.executeSql(statement);
      }
    }
  }

  /**
   * The statements that publish every result: a table per result topic, with the options the
   * caller gives for it (its connector and format), filled from its view.
   */
  public static StatementSet publishResults(TableEnvironment tableEnv, Function<String, String> tableOptions) {
    StatementSet statements = tableEnv.createStatementSet();
    for (Map.Entry<String, String> result : RESULTS.entrySet()) {
      String table = result.getValue() + "_sink";
      tableEnv.executeSql(
          "CREATE TEMPORARY TABLE " + table + " (\n  " + resultColumns(result.getKey()) + "\n) WITH (\n"
              + tableOptions.apply(result.getKey()) + "\n)");
      statements.addInsertSql("INSERT INTO " + table + " SELECT * FROM " + result.getValue());
    }
    return statements;
  }

  /** Renders table options as the body of a WITH clause. */
  public static String options(Map<String, String> options) {
    return options.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(o -> "  '" + o.getKey() + "' = '" + o.getValue().replace("'", "''") + "'")
        .reduce((a, b) -> a + ",\n" + b)
        .orElse("");
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

  static String substitute(String sql, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) throw new IllegalStateException("no value for ${" + m.group(1) + "}");
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  /** Statements end with ';' at the end of a line; lines starting with '--' are comments. */
  static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (line.strip().startsWith("--")) continue;
      current.append(line).append('\n');
      if (line.stripTrailing().endsWith(";")) {
        String statement = current.toString().strip();
        out.add(statement.substring(0, statement.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) throw new IllegalStateException("SQL ends without ';': " + current);
    return out;
  }

  private static String resource(String name) {
    try (InputStream in = InsightsSql.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException(name + " is not on the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
