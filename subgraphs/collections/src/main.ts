/**
 * The collections subgraph's composition root: reads its configuration once, builds its clients
 * and starts serving. `npm run start -w @verograph/collections-subgraph` or
 * `tsx subgraphs/collections/src/main.ts`.
 */
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, createMetricsRegistry, envReader } from '@verograph/service';
import {
  commandChannel,
  createCassandraClient,
  lazyProducer,
  readIdDerivationSecret,
  readSubgraphConfig,
  startOutcomeListener,
} from '@verograph/subgraph-kit';

import { startCollectionsSubgraph } from './collectionsSubgraph.ts';
import { createPostgresPool } from './store/postgres.ts';

const service = 'collections-subgraph';
const logger = createLogger(service);

async function main(): Promise<void> {
  const env = envReader();
  const config = readSubgraphConfig(env, { name: 'collections', defaultPort: 4003 });
  const metrics = createMetricsRegistry(service);
  const postgres = createPostgresPool(
    {
      url: config.engines.postgresUrl,
      applicationName: service,
      maxConnections: env.int('POSTGRES_POOL_SIZE', 10, { min: 1, max: 100 }),
    },
    logger,
  );
  const cassandra = createCassandraClient(
    {
      contactPoints: config.engines.cassandraContactPoints,
      localDataCenter: config.engines.cassandraDataCenter,
      keyspace: config.engines.cassandraKeyspace,
      credentials: config.engines.cassandraCredentials,
    },
    service,
  );
  // Not awaited: reads need only PostgreSQL; the driver connects on the first mutation otherwise.
  cassandra.connect().catch((error: unknown) => logger.warn({ err: error }, 'Cassandra is not reachable yet'));
  const kafka = createKafka(service, config.engines.kafkaBrokers, config.engines.kafkaCredentials);
  // The producer hears its commands' outcomes too, so a waiting mutation reads nothing.
  const producer = commandChannel(
    lazyProducer(() => createProducer(kafka), logger),
    startOutcomeListener({ kafka, service, logger, maxWaiting: config.mutationLimits.maxWaiting }),
  );
  const server = await startCollectionsSubgraph({
    postgres,
    cassandra,
    producer,
    logger,
    metrics,
    port: config.port,
    opsPort: config.opsPort,
    host: config.host,
    signingSecret: config.signingSecret,
    mutationWaitMs: config.mutationWaitMs,
    mutationLimits: config.mutationLimits,
    idSecret: readIdDerivationSecret(env),
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await server.close();
    await Promise.allSettled([producer.disconnect(), cassandra.shutdown(), postgres.end()]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, `${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
