/**
 * The writers process: runs the writers named in WRITERS (users, posts, collections), each as
 * its own consumer group over its aggregate's commands topic, and serves /health/live,
 * /health/ready and /metrics on WRITERS_PORT. SIGTERM or SIGINT stops it cleanly: records in
 * hand are finished and committed, the groups are left, connections closed.
 */
import { performance } from 'node:perf_hooks';

import {
  coalesceSends,
  createKafka,
  createProducer,
  producerWhenConnected,
  type RunningConsumer,
} from '@verograph/messaging';
import { ConfigError, createLogger, createMetricsRegistry, createOpsServer } from '@verograph/service';

import { createCassandraClient } from './cassandraClient.ts';
import { writersConfig, type WritersConfig } from './config.ts';
import { openThrottleFeed } from './floodGuard/throttleFeed.ts';
import { startWriter, writerTopics } from './startWriter.ts';

const logger = createLogger('writers');

async function main(config: WritersConfig) {
  const started = performance.now();
  const metrics = createMetricsRegistry('writers');
  const kafka = createKafka('writers', config.engines.kafkaBrokers, config.engines.kafkaCredentials);
  // Connected on first use; readiness waits for a connected host.
  const cassandra = createCassandraClient({
    contactPoints: config.engines.cassandraContactPoints,
    localDataCenter: config.engines.cassandraDataCenter,
    keyspace: config.engines.cassandraKeyspace,
    credentials: config.engines.cassandraCredentials,
  });
  // Not awaited: see openThrottleFeed for why no command waits for the throttles.
  const throttles = openThrottleFeed({
    kafka,
    topic: config.throttlesTopic,
    groupPrefix: `${config.groupPrefix}-floodguard`,
    logger,
  });

  const consumers = new Map<string, RunningConsumer>();
  // The writers' only port: health, readiness (Cassandra, each writer in its group) and metrics.
  const ops = await createOpsServer({
    port: config.port,
    registry: metrics,
    checks: {
      cassandra: () =>
        cassandra.getState().getConnectedHosts().length > 0 ? { ok: true } : { ok: false, detail: 'no host connected' },
      ...Object.fromEntries(
        config.writers.map((name) => [
          `writer:${name}`,
          () => (consumers.get(name)?.isReady() ? { ok: true } : { ok: false, detail: 'not in its consumer group' }),
        ]),
      ),
    },
    logger,
  });
  logger.info({ port: ops.port, writers: config.writers }, 'ops endpoints listening');

  // Start-up is connections and group joins, each a few round trips to an engine: all at once.
  // Ready (every writer in its group, Cassandra connected) was 5.6 s after a restart with them
  // one after another (resilience/serviceKills). A batch that arrives before the producer is
  // connected waits for it in `send`; Cassandra connects on the first query if need be.
  const producerConnected = createProducer(kafka).then(coalesceSends);
  const producer = producerWhenConnected(producerConnected);
  await Promise.all([
    producerConnected,
    cassandra.connect(),
    ...config.writers.map(async (name) => {
      consumers.set(
        name,
        await startWriter(name, {
          kafka,
          cassandra,
          producer,
          logger,
          metrics,
          clock: () => new Date(),
          groupId: `${config.groupPrefix}-${name}`,
          topics: writerTopics(name),
          concurrency: config.concurrency,
          keyConcurrency: config.keyConcurrency,
          sessionTimeoutMs: config.sessionTimeoutMs,
          floodGuard: throttles.book,
        }),
      );
    }),
  ]);
  logger.info({ writers: config.writers, ms: Math.round(performance.now() - started) }, 'writers consuming');

  let stopping: Promise<void> | undefined;
  const shutdown = (exitCode: number) => {
    stopping ??= (async () => {
      logger.info({ exitCode }, 'stopping writers');
      await Promise.all([...consumers.values()].map((c) => c.stop()));
      await throttles.stop();
      await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'producer disconnect failed'));
      await cassandra.shutdown().catch((err: unknown) => logger.warn({ err }, 'cassandra shutdown failed'));
      await ops.close();
      logger.info('writers stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  // A writer that stopped on its own (a handler asked to, or Kafka gave up) takes the
  // process down, so the orchestrator restarts it rather than leave a half-working pod.
  for (const [name, consumer] of consumers) {
    void consumer.stopped.then((why) => {
      if (why.reason === 'requested') return;
      logger.fatal({ writer: name, why }, 'a writer stopped on its own; exiting');
      void shutdown(1);
    });
  }
}

try {
  await main(writersConfig());
} catch (error) {
  logger.fatal({ err: error }, error instanceof ConfigError ? 'bad configuration' : 'writers failed to start');
  process.exit(1);
}
