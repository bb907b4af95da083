package dev.verograph.insights;

import com.google.protobuf.MessageLite;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Runs the whole job, every insight in one Flink job as the launcher does, over given events in
 * the test MiniCluster: the events are serialized to protobuf and decoded by flink-protobuf like
 * the Kafka records, and each result is encoded by flink-protobuf like the published one.
 * One reader and a watermark after every record make lateness deterministic: an event counts in
 * a window unless the watermark (the newest event time before it, minus the allowed
 * out-of-orderness) had already passed the window's end when it arrived.
 */
final class InsightsHarness {
  static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(5);

  private InsightsHarness() {}

  /** What the job published, by topic. */
  record Published(Map<String, List<EncodedRowsTableFactory.Record>> byTopic) {
    List<EncodedRowsTableFactory.Record> of(String topic) {
      return byTopic.get(topic);
    }
  }

  static Published run(List<? extends MessageLite> postEvents, List<? extends MessageLite> userEvents, InsightsConfig config)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    // 0: the watermark assigner emits a watermark after each record instead of every 200 ms.
    env.getConfig().setAutoWatermarkInterval(0);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    tableEnv.getConfig().set("table.local-time-zone", "UTC");
    source(tableEnv, "post_events", InsightsSql.postEventColumns(OUT_OF_ORDERNESS), InsightsSql.POST_EVENT_MESSAGE, postEvents);
    source(tableEnv, "user_events", InsightsSql.userEventColumns(OUT_OF_ORDERNESS), InsightsSql.USER_EVENT_MESSAGE, userEvents);
    InsightsSql.createViews(tableEnv, config);
    String run = UUID.randomUUID().toString();
    InsightsSql.publishResults(
            tableEnv,
            topic ->
                InsightsSql.options(
                    Map.of(
                        "connector", EncodedRowsTableFactory.IDENTIFIER,
                        "sink-id", run + topic,
                        "format", "protobuf",
                        "protobuf.message-class-name", InsightsSql.RESULT_MESSAGES.get(topic))))
        .execute()
        .await();
    return new Published(
        InsightsSql.RESULTS.keySet().stream()
            .collect(java.util.stream.Collectors.toMap(t -> t, t -> EncodedRowsTableFactory.records(run + t))));
  }

  private static void source(
      StreamTableEnvironment tableEnv, String name, String columns, String messageClass, List<? extends MessageLite> events) {
    String id = UUID.randomUUID().toString();
    EventBytesTableFactory.register(id, events.stream().map(MessageLite::toByteArray).toList());
    tableEnv.executeSql(
        "CREATE TEMPORARY TABLE " + name + " (\n  " + columns + "\n) WITH (\n"
            + InsightsSql.options(
                Map.of(
                    "connector", EventBytesTableFactory.IDENTIFIER,
                    "data-id", id,
                    "format", "protobuf",
                    "protobuf.message-class-name", messageClass))
            + "\n)");
  }
}
