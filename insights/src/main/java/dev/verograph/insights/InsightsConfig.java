package dev.verograph.insights;

import java.time.Duration;
import java.util.Map;

/**
 * The job's settings, read once from the environment with local defaults. A value that does not
 * parse fails the start with the variable's name, rather than running with a guess.
 *
 * @param kafkaBrokers bootstrap servers (KAFKA_BROKERS; else KAFKA_HOST:KAFKA_PORT, as the services read them)
 * @param kafkaUsername SASL/SCRAM-SHA-512 user (KAFKA_USERNAME); empty means no sign-in
 * @param kafkaPassword its password (KAFKA_PASSWORD)
 * @param groupId the consumer group the sources commit their offsets to on each checkpoint
 * @param transactionalIdPrefix prefix of the sinks' Kafka transactional ids (one per sink below it)
 * @param checkpointDir where checkpoints are written (a file: URI locally, shared storage on a cluster)
 * @param checkpointInterval how often a checkpoint commits the sinks' transactions: a result is
 *     visible to readers (read committed) only from the checkpoint after its window fires, so this
 *     bounds the wait. 1 s: the latency target is 2 s from a window's end to GraphQL, and a
 *     checkpoint of an hour's state takes ~0.15 s (`npm run bench -- insights` prints both)
 * @param maxOutOfOrderness how far behind the newest event time of its Kafka partition an event may
 *     arrive and still count. The watermark is generated per partition inside the source (the plan
 *     shows it pushed into the scan), and a partition's events come from the one writer that
 *     decides them, stamped with its clock as it decides, in order: only a hand-over between
 *     writer instances (clock skew between hosts) puts an event behind the ones before it. 500 ms
 *     covers that and is a quarter of the latency budget
 * @param sourceIdleTimeout after this long without records a Kafka partition stops holding back the
 *     watermark. Short means a quiet partition delays results less; but a partition still counted
 *     idle when its records come (a slow first fetch after a start, with a backlog) lets the others
 *     move the watermark past them, and they arrive late. Catching up on a backlog the consumer
 *     drains one partition's fetched megabyte (~10,000 events, ~0.5 s) after another, so with 12
 *     partitions one waits several seconds for its turn: 30 s, above a start on a busy machine.
 *     Under traffic on every partition it costs nothing; a partition quiet since less than this
 *     before a window's end holds that window's result until it is counted idle.
 * @param trendingMinAuthors distinct authors a tag needs in a window to be published
 * @param floodCommentsPerMinute comments a user may add per minute before being throttled
 * @param floodFollowsPerMinute follows a user may make per minute
 * @param floodConnectionRequestsPerMinute connection requests a user may send per minute
 * @param floodStepSeconds how often within the minute the flood guard re-counts (divides 60)
 * @param parallelism the job's parallelism
 * @param restPort the port of the MiniCluster's REST API (health, metrics), when run locally
 * @param topicPrefix put before every topic the job reads and writes (INSIGHTS_TOPIC_PREFIX, empty by
 *     default): a second instance (the benchmark's) runs on topics of its own
 */
public record InsightsConfig(
    String kafkaBrokers,
    String kafkaUsername,
    String kafkaPassword,
    String groupId,
    String transactionalIdPrefix,
    String checkpointDir,
    Duration checkpointInterval,
    Duration maxOutOfOrderness,
    Duration sourceIdleTimeout,
    int trendingMinAuthors,
    int floodCommentsPerMinute,
    int floodFollowsPerMinute,
    int floodConnectionRequestsPerMinute,
    int floodStepSeconds,
    int parallelism,
    int restPort,
    String topicPrefix) {

  public InsightsConfig {
    if (floodStepSeconds <= 0 || 60 % floodStepSeconds != 0) {
      throw new IllegalArgumentException(
          "INSIGHTS_FLOOD_STEP_SECONDS must divide 60 (the flood guard's minute), got " + floodStepSeconds);
    }
  }

  /** The settings the environment gives, defaults for the rest. */
  public static InsightsConfig fromEnv(Map<String, String> env) {
    return new InsightsConfig(
        env.getOrDefault(
            "KAFKA_BROKERS", env.getOrDefault("KAFKA_HOST", "127.0.0.1") + ":" + env.getOrDefault("KAFKA_PORT", "9092")),
        env.getOrDefault("KAFKA_USERNAME", ""),
        env.getOrDefault("KAFKA_PASSWORD", ""),
        env.getOrDefault("INSIGHTS_GROUP_ID", "insights-job"),
        env.getOrDefault("INSIGHTS_TRANSACTIONAL_ID_PREFIX", "insights-job"),
        env.getOrDefault("INSIGHTS_CHECKPOINT_DIR", "file:///tmp/verograph-insights/checkpoints"),
        Duration.ofMillis(number(env, "INSIGHTS_CHECKPOINT_INTERVAL_MS", 1_000)),
        Duration.ofMillis(number(env, "INSIGHTS_MAX_OUT_OF_ORDERNESS_MS", 500)),
        Duration.ofMillis(number(env, "INSIGHTS_SOURCE_IDLE_TIMEOUT_MS", 30_000)),
        (int) number(env, "INSIGHTS_TRENDING_MIN_AUTHORS", 5),
        (int) number(env, "INSIGHTS_FLOOD_COMMENTS_PER_MINUTE", 20),
        (int) number(env, "INSIGHTS_FLOOD_FOLLOWS_PER_MINUTE", 30),
        (int) number(env, "INSIGHTS_FLOOD_CONNECTION_REQUESTS_PER_MINUTE", 10),
        (int) number(env, "INSIGHTS_FLOOD_STEP_SECONDS", 5),
        (int) number(env, "INSIGHTS_PARALLELISM", 1),
        (int) number(env, "INSIGHTS_REST_PORT", 8081),
        env.getOrDefault("INSIGHTS_TOPIC_PREFIX", ""));
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) return fallback;
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed < 0) throw new NumberFormatException("negative");
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a non-negative whole number, got '" + value + "'", e);
    }
  }
}
