/**
 * The projectors process: consumes the events topics and keeps the read models up to date.
 * PROJECTORS=feeds,search,collections,counters,live chooses which run here (all by default);
 * each runs as its own consumer group. Health and metrics on PROJECTORS_PORT (4200).
 */
import { runConsumer, type RunningConsumer } from '@verograph/messaging';
import { ConfigError, createLogger, createMetricsRegistry, createOpsServer } from '@verograph/service';

import { buildProjector } from './buildProjector.ts';
import { readConfig } from './config.ts';
import { recordHandlerFor } from './consumer/recordHandler.ts';
import { insightsRecordHandler } from './insights/insightsProjector.ts';
import { createInsightsStore } from './insights/insightsStore.ts';
import { openResources } from './resources.ts';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('projectors');
  const metrics = createMetricsRegistry('projectors');
  const resources = await openResources(
    config,
    [...config.projectors, ...(config.insights ? (['insights'] as const) : [])],
    'projectors',
  );

  const consumers: RunningConsumer[] = [];
  for (const name of config.projectors) {
    const { projector } = buildProjector(name, {
      ...config,
      cassandra: resources.cassandra,
      elasticsearch: resources.elasticsearch,
      postgres: resources.postgres,
      producer: resources.producer,
    });
    const consumer = await runConsumer({
      kafka: resources.kafka,
      groupId: projector.groupId,
      topics: projector.streams.map((s) => config.topics[s]),
      handle: recordHandlerFor(projector, config.topics, logger),
      logger,
      metrics,
      deadLetterTopic: config.deadLetterTopic,
      fromBeginning: true,
      partitionsConsumedConcurrently: config.partitionsConcurrently,
      keysConsumedConcurrently: projector.keyOrderSuffices ? config.keysConcurrently : 1,
    });
    consumers.push(consumer);
    logger.info({ projector: name, groupId: projector.groupId }, 'projector running');
  }
  if (config.insights && resources.cassandra) {
    const groupId = `${config.groupPrefix}.insights`;
    consumers.push(
      await runConsumer({
        kafka: resources.kafka,
        groupId,
        topics: Object.values(config.insightTopics),
        handle: insightsRecordHandler({
          store: createInsightsStore(resources.cassandra),
          topics: config.insightTopics,
          clock: () => new Date(),
          logger,
        }),
        logger,
        metrics,
        deadLetterTopic: config.deadLetterTopic,
        fromBeginning: true,
        partitionsConsumedConcurrently: config.partitionsConcurrently,
      }),
    );
    logger.info({ projector: 'insights', groupId }, 'projector running');
  }

  // The projectors' only port: health, readiness (each consumer in its group) and metrics.
  const ops = await createOpsServer({
    port: config.port,
    registry: metrics,
    checks: Object.fromEntries(
      consumers.map((consumer) => [
        `consumer:${consumer.groupId}`,
        () => (consumer.isReady() ? { ok: true } : { ok: false, detail: 'not yet consuming' }),
      ]),
    ),
    logger,
  });
  logger.info({ port: config.port, projectors: config.projectors }, 'projectors started');

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    void ops.close();
    await Promise.all(consumers.map((c) => c.stop()));
    await resources.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  // A consumer that stops for good (a handler said stop, the client crashed) takes the process
  // down, so the orchestrator restarts it instead of leaving a read model silently behind.
  for (const consumer of consumers) {
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
