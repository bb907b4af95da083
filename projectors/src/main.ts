/**
 * The projectors process: consumes the events topics and keeps the read models up to date.
 * PROJECTORS=feeds,search,collections,counters,live chooses which run here (all by default);
 * each runs as its own consumer group. Health and metrics on PROJECTORS_PORT (4200).
 */
import { performance } from 'node:perf_hooks';

import { runConsumer, type ConsumerOptions, type RunningConsumer } from '@verograph/messaging';
import { ConfigError, createLogger, createMetricsRegistry, createOpsServer } from '@verograph/service';

import { buildProjector } from './buildProjector.ts';
import { readConfig } from './config.ts';
import { batchHandlerFor, recordHandlerFor } from './consumer/recordHandler.ts';
import { insightsBatchHandler } from './insights/insightsProjector.ts';
import { createInsightsStore } from './insights/insightsStore.ts';
import { openResources } from './resources.ts';

async function main(): Promise<void> {
  const started = performance.now();
  const config = readConfig();
  const logger = createLogger('projectors');
  const metrics = createMetricsRegistry('projectors');
  const resources = openResources(
    config,
    [...config.projectors, ...(config.insights ? (['insights'] as const) : [])],
    'projectors',
  );

  /** Each consumer group of this process, and how it consumes: started together below. */
  const groups: Array<Omit<ConsumerOptions, 'kafka' | 'logger' | 'metrics'>> = config.projectors.map((name) => {
    const { projector } = buildProjector(name, {
      ...config,
      cassandra: resources.cassandra,
      elasticsearch: resources.elasticsearch,
      postgres: resources.postgres,
      producer: resources.producer,
    });
    return {
      groupId: projector.groupId,
      topics: projector.streams.map((s) => config.topics[s]),
      ...(projector.handleBatch
        ? { handleBatch: batchHandlerFor(projector, config.topics, logger) }
        : {
            handle: recordHandlerFor(projector, config.topics, logger),
            keysConsumedConcurrently: projector.keyOrderSuffices ? config.keysConcurrently : 1,
          }),
      deadLetterTopic: config.deadLetterTopic,
      fromBeginning: true,
      partitionsConsumedConcurrently: config.partitionsConcurrently,
    };
  });
  if (config.insights && resources.cassandra) {
    groups.push({
      groupId: `${config.groupPrefix}.insights`,
      topics: Object.values(config.insightTopics),
      // A partition's batch of window results written together (upserts keyed by window).
      handleBatch: insightsBatchHandler({
        store: createInsightsStore(resources.cassandra),
        topics: config.insightTopics,
        clock: () => new Date(),
        logger,
      }),
      deadLetterTopic: config.deadLetterTopic,
      fromBeginning: true,
      partitionsConsumedConcurrently: config.partitionsConcurrently,
    });
  }

  const consumers = new Map<string, RunningConsumer>();
  // The projectors' only port: health, readiness (each consumer in its group) and metrics.
  const ops = await createOpsServer({
    port: config.port,
    registry: metrics,
    checks: Object.fromEntries(
      groups.map(({ groupId }) => [
        `consumer:${groupId}`,
        () => (consumers.get(groupId)?.isReady() ? { ok: true } : { ok: false, detail: 'not yet consuming' }),
      ]),
    ),
    logger,
  });

  // Five or six groups, each a few connections and a join: all at once, with the producer.
  // Joined one after another they took 10.2 s from a restart to ready (resilience/serviceKills).
  await Promise.all([
    resources.connected,
    ...groups.map(async (group) => {
      consumers.set(group.groupId, await runConsumer({ ...group, kafka: resources.kafka, logger, metrics }));
      logger.info({ groupId: group.groupId }, 'projector running');
    }),
  ]);
  logger.info(
    { port: config.port, projectors: config.projectors, ms: Math.round(performance.now() - started) },
    'projectors started',
  );

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    void ops.close();
    await Promise.all([...consumers.values()].map((c) => c.stop()));
    await resources.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  // A consumer that stops for good (a handler said stop, the client crashed) takes the process
  // down, so the orchestrator restarts it instead of leaving a read model silently behind.
  for (const consumer of consumers.values()) {
    void consumer.stopped.then((why) => {
      if (stopping) return;
      logger.error({ groupId: consumer.groupId, why }, 'a projector stopped; exiting');
      void shutdown(1);
    });
  }
}

main().catch((error: unknown) => {
  console.error(
    `projectors: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
