package dev.verograph.insights;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The insights job's entry point. On a Flink cluster (the FlinkDeployment) it is the job jar's
 * main class; run with plain {@code java} (the stack, {@code npm start}) the same main starts a
 * Flink MiniCluster in this process, with its REST API on INSIGHTS_REST_PORT.
 */
public final class InsightsJob {
  private static final Logger LOG = LoggerFactory.getLogger(InsightsJob.class);

  private InsightsJob() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    InsightsConfig config = InsightsConfig.fromEnv(env);
    Configuration conf = flinkConfiguration(config);
    if ("true".equals(env.get("INSIGHTS_RESUME_FROM_LATEST_CHECKPOINT"))) {
      Optional<Path> latest = latestCheckpoint(config.checkpointDir());
      if (latest.isPresent()) {
        LOG.info("resuming from checkpoint {}", latest.get());
        conf.setString("execution.state-recovery.path", latest.get().toUri().toString());
        // After a change to the job's SQL its operators are new: their old state is left behind
        // (the sources then start from the group's committed offsets) rather than refusing to start.
        conf.setString("execution.state-recovery.ignore-unclaimed-state", "true");
      } else {
        LOG.info("no checkpoint in {}: starting from the consumer group's offsets", config.checkpointDir());
      }
    }
    StreamExecutionEnvironment streams = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    streams.setParallelism(config.parallelism());
    StreamTableEnvironment tables = StreamTableEnvironment.create(streams);
    createSources(tables, config);
    InsightsSql.createViews(tables, config);
    InsightsSql.publishResults(
            tables,
            topic -> InsightsSql.options(KafkaTables.sink(config, topic, InsightsSql.RESULT_MESSAGES.get(topic))))
        .execute()
        .await();
  }

  static void createSources(StreamTableEnvironment tables, InsightsConfig config) {
    tables.executeSql(
        "CREATE TEMPORARY TABLE post_events (\n  " + InsightsSql.postEventColumns(config.maxOutOfOrderness())
            + "\n) WITH (\n"
            + InsightsSql.options(KafkaTables.source(config, "posts.events", InsightsSql.POST_EVENT_MESSAGE)) + "\n)");
    tables.executeSql(
        "CREATE TEMPORARY TABLE user_events (\n  " + InsightsSql.userEventColumns(config.maxOutOfOrderness())
            + "\n) WITH (\n"
            + InsightsSql.options(KafkaTables.source(config, "users.events", InsightsSql.USER_EVENT_MESSAGE)) + "\n)");
  }

  /**
   * Exactly once: checkpoints in EXACTLY_ONCE mode commit the sinks' Kafka transactions and the
   * sources' offsets together. State lives in memory (hashmap) and is checkpointed to
   * INSIGHTS_CHECKPOINT_DIR, kept when the job stops so that a restart resumes from it.
   */
  static Configuration flinkConfiguration(InsightsConfig config) {
    Configuration conf = new Configuration();
    conf.setString("pipeline.name", "verograph-insights");
    conf.setString("state.backend.type", "hashmap");
    conf.setString("execution.checkpointing.dir", config.checkpointDir());
    conf.setString("execution.checkpointing.interval", config.checkpointInterval().toMillis() + " ms");
    conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
    conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    conf.setString("execution.checkpointing.num-retained", "3");
    // A checkpoint barrier queued behind a backlog (catching up after a restart) would hold every
    // result's commit; past 500 ms of alignment the checkpoint stores the in-flight records instead.
    conf.setString("execution.checkpointing.unaligned.enabled", "true");
    conf.setString("execution.checkpointing.aligned-checkpoint-timeout", "500 ms");
    // How often the sources emit their watermark (200 ms by default): a window fires at the first
    // emission past its end plus the out-of-orderness, so this is added to every result's latency.
    conf.setString("pipeline.auto-watermark-interval", "50 ms");
    conf.setString("restart-strategy.type", "exponential-delay");
    conf.setString("table.local-time-zone", "UTC");
    conf.setString("table.exec.source.idle-timeout", config.sourceIdleTimeout().toMillis() + " ms");
    conf.setString("rest.bind-address", "127.0.0.1");
    conf.setString("rest.address", "127.0.0.1");
    conf.setString("rest.port", Integer.toString(config.restPort()));
    // The MiniCluster's other listeners (blob server, task manager) take ephemeral ports; these keep
    // them on the loopback interface, like the REST API, rather than on every interface.
    conf.setString("jobmanager.bind-host", "127.0.0.1");
    conf.setString("taskmanager.bind-host", "127.0.0.1");
    conf.setString("taskmanager.host", "127.0.0.1");
    return conf;
  }

  /** The newest completed checkpoint (one with its _metadata) under a file: checkpoint folder. */
  static Optional<Path> latestCheckpoint(String checkpointDir) throws IOException {
    URI uri = URI.create(checkpointDir);
    if (uri.getScheme() != null && !"file".equals(uri.getScheme())) return Optional.empty();
    Path root = uri.getScheme() == null ? Path.of(checkpointDir) : Path.of(uri);
    if (!Files.isDirectory(root)) return Optional.empty();
    try (Stream<Path> files = Files.find(root, 3, (p, a) -> p.getFileName().toString().equals("_metadata"))) {
      return files
          .filter(p -> p.getParent().getFileName().toString().startsWith("chk-"))
          .max(Comparator.comparing(InsightsJob::modified))
          .map(Path::getParent);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
