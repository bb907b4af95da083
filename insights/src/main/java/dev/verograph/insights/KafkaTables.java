package dev.verograph.insights;

import java.util.LinkedHashMap;
import java.util.Map;

/** The options of the job's Kafka tables: what it reads, what it publishes, how it signs in. */
final class KafkaTables {
  private KafkaTables() {}

  /** A source of protobuf events, read committed, from the group's offsets (the earliest at first). */
  static Map<String, String> source(InsightsConfig config, String topic, String messageClass) {
    Map<String, String> options = common(config, topic);
    options.put("properties.group.id", config.groupId());
    // On a restart from a checkpoint the offsets come from the checkpoint; these apply only to a
    // job that starts without one.
    options.put("scan.startup.mode", "group-offsets");
    options.put("properties.auto.offset.reset", "earliest");
    // A record of an aborted transaction is no event.
    options.put("properties.isolation.level", "read_committed");
    options.put("format", "protobuf");
    options.put("protobuf.message-class-name", messageClass);
    // A record that is not the topic's message (a poison record) is skipped, not retried forever:
    // the writers alone produce these topics, from the same contracts.
    options.put("protobuf.ignore-parse-errors", "true");
    return options;
  }

  /**
   * A result topic, written in Kafka transactions that commit with each checkpoint (exactly
   * once): readers that read committed see each result once, and nothing of an attempt that a
   * failure rolled back. The record key is the result's key column, the value its message.
   */
  static Map<String, String> sink(InsightsConfig config, String topic, String messageClass) {
    Map<String, String> options = common(config, topic);
    options.put("key.format", "raw");
    options.put("key.fields", "record_key");
    options.put("value.format", "protobuf");
    options.put("value.protobuf.message-class-name", messageClass);
    options.put("value.fields-include", "EXCEPT_KEY");
    options.put("sink.delivery-guarantee", "exactly-once");
    // One prefix per sink: transactional ids must not be shared between producers.
    options.put("sink.transactional-id-prefix", config.transactionalIdPrefix() + "-" + topic);
    // Under the broker's transaction.max.timeout.ms (15 min by default), well above the
    // checkpoint interval that commits each transaction.
    options.put("properties.transaction.timeout.ms", "600000");
    return options;
  }

  private static Map<String, String> common(InsightsConfig config, String topic) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("connector", "kafka");
    options.put("topic", config.topicPrefix() + topic);
    options.put("properties.bootstrap.servers", config.kafkaBrokers());
    if (!config.kafkaUsername().isEmpty()) {
      options.put("properties.security.protocol", "SASL_PLAINTEXT");
      options.put("properties.sasl.mechanism", "SCRAM-SHA-512");
      options.put(
          "properties.sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
              + jaasQuote(config.kafkaUsername()) + "\" password=\"" + jaasQuote(config.kafkaPassword()) + "\";");
    }
    return options;
  }

  private static String jaasQuote(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
