package dev.verograph.insights;

import com.google.protobuf.MessageLite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the job's views over given events in the test MiniCluster: the events are serialized to
 * protobuf, decoded by flink-protobuf like the Kafka records, and each result view is collected.
 * One reader and a watermark after every record make lateness deterministic: an event is late
 * exactly when it is older than the newest event before it minus the allowed out-of-orderness.
 */
final class InsightsHarness {
  static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(5);

  private final StreamTableEnvironment tableEnv;

  InsightsHarness(List<? extends MessageLite> postEvents, List<? extends MessageLite> userEvents) {
    this(postEvents, userEvents, config(Map.of()));
  }

  InsightsHarness(List<? extends MessageLite> postEvents, List<? extends MessageLite> userEvents, InsightsConfig config) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    // 0: the watermark assigner emits a watermark after each record instead of every 200 ms.
    env.getConfig().setAutoWatermarkInterval(0);
    tableEnv = StreamTableEnvironment.create(env);
    tableEnv.getConfig().set("table.local-time-zone", "UTC");
    table("post_events", InsightsSql.postEventColumns(OUT_OF_ORDERNESS), InsightsSql.POST_EVENT_MESSAGE, postEvents);
    table("user_events", InsightsSql.userEventColumns(OUT_OF_ORDERNESS), InsightsSql.USER_EVENT_MESSAGE, userEvents);
    InsightsSql.createViews(tableEnv, config);
  }

  static InsightsConfig config(Map<String, String> env) {
    return InsightsConfig.fromEnv(env);
  }

  private void table(String name, String columns, String messageClass, List<? extends MessageLite> events) {
    String id = UUID.randomUUID().toString();
    EventBytesTableFactory.register(id, events.stream().map(MessageLite::toByteArray).toList());
    tableEnv.executeSql(
        "CREATE TEMPORARY TABLE " + name + " (\n  " + columns + "\n) WITH (\n"
            + "  'connector' = '" + EventBytesTableFactory.IDENTIFIER + "',\n"
            + "  'data-id' = '" + id + "',\n"
            + "  'format' = 'protobuf',\n"
            + "  'protobuf.message-class-name' = '" + messageClass + "'\n)");
  }

  /** Every row of a view, once the bounded input is exhausted (all windows have then fired). */
  List<Row> rows(String view) throws Exception {
    List<Row> rows = new ArrayList<>();
    try (CloseableIterator<Row> it = tableEnv.from(view).execute().collect()) {
      it.forEachRemaining(rows::add);
    }
    return rows;
  }
}
