/**
 * The users subgraph's composition root: reads its configuration once, builds its clients
 * and starts serving. `npm run start -w @verograph/users-subgraph` or `tsx subgraphs/users/src/main.ts`.
 */
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, createMetricsRegistry, envReader } from '@verograph/service';
import { createCassandraClient, lazyProducer, readSubgraphConfig } from '@verograph/subgraph-kit';

import { startUsersSubgraph } from './usersSubgraph.ts';

const service = 'users-subgraph';
const logger = createLogger(service);

async function main(): Promise<void> {
  const config = readSubgraphConfig(envReader(), { name: 'users', defaultPort: 4001 });
  const metrics = createMetricsRegistry(service);
  const cassandra = createCassandraClient(
    {
      contactPoints: config.engines.cassandraContactPoints,
      localDataCenter: config.engines.cassandraDataCenter,
      keyspace: config.engines.cassandraKeyspace,
    },
    service,
  );
  // Not awaited: the subgraph serves (and reports not ready) while Cassandra comes up; the
  // driver connects on the first query.
  cassandra.connect().catch((error: unknown) => logger.warn({ err: error }, 'Cassandra is not reachable yet'));
  const kafka = createKafka(service, config.engines.kafkaBrokers);
  const producer = lazyProducer(() => createProducer(kafka), logger);
  const server = await startUsersSubgraph({
    cassandra,
    producer,
    logger,
    metrics,
    port: config.port,
    host: config.host,
    signingSecret: config.signingSecret,
    mutationWaitMs: config.mutationWaitMs,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await server.close();
    await Promise.allSettled([producer.disconnect(), cassandra.shutdown()]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, `${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
