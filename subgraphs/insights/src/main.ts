/**
 * The insights subgraph's composition root: reads its configuration once, builds its
 * Cassandra client (its own read-only role) and starts serving. It publishes no commands and
 * reads no Kafka topic. `npm run start -w @verograph/insights-subgraph` or
 * `tsx subgraphs/insights/src/main.ts`.
 */
import { createLogger, createMetricsRegistry, envReader } from '@verograph/service';
import { createCassandraClient, readSubgraphConfig } from '@verograph/subgraph-kit';

import { startInsightsSubgraph } from './insightsSubgraph.ts';

const service = 'insights-subgraph';
const logger = createLogger(service);

async function main(): Promise<void> {
  const config = readSubgraphConfig(envReader(), { name: 'insights', defaultPort: 4005 });
  const cassandra = createCassandraClient(
    {
      contactPoints: config.engines.cassandraContactPoints,
      localDataCenter: config.engines.cassandraDataCenter,
      keyspace: config.engines.cassandraKeyspace,
      credentials: config.engines.cassandraCredentials,
    },
    service,
  );
  // No connection up front: the subgraph serves (and reports not ready) while Cassandra is down.
  cassandra.connect().catch((error: unknown) => logger.warn({ err: error }, 'Cassandra is not reachable yet'));
  const server = await startInsightsSubgraph({
    cassandra,
    logger,
    metrics: createMetricsRegistry(service),
    port: config.port,
    opsPort: config.opsPort,
    host: config.host,
    signingSecret: config.signingSecret,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await server.close();
    await cassandra.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, `${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
