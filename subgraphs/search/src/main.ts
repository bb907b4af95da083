/**
 * The search subgraph's composition root: reads its configuration once, builds its
 * Elasticsearch and Cassandra clients and starts serving. `npm run start -w @verograph/search-subgraph` or
 * `tsx subgraphs/search/src/main.ts`.
 */
import { createLogger, createMetricsRegistry, envReader } from '@verograph/service';
import { createCassandraClient, readSubgraphConfig } from '@verograph/subgraph-kit';

import { defaultSearchIndices } from './search/searchIndices.ts';
import { startSearchSubgraph } from './searchSubgraph.ts';
import { createElasticsearchClient } from './store/elasticsearch.ts';

const service = 'search-subgraph';
const logger = createLogger(service);

async function main(): Promise<void> {
  const env = envReader();
  const config = readSubgraphConfig(env, { name: 'search', defaultPort: 4004 });
  const metrics = createMetricsRegistry(service);
  const elasticsearch = createElasticsearchClient({
    url: config.engines.elasticsearchUrl,
    // Two tries (the client retries once) must end before the gateway's 5 s subgraph timeout,
    // so a slow Elasticsearch answers STORE_UNAVAILABLE rather than costing the whole subgraph.
    requestTimeoutMs: env.int('SEARCH_TIMEOUT_MS', 2_000, { min: 100, max: 60_000 }),
  });
  // Post hits are checked against the system of record before they are answered (read only).
  const cassandra = createCassandraClient(
    {
      contactPoints: config.engines.cassandraContactPoints,
      localDataCenter: config.engines.cassandraDataCenter,
      keyspace: config.engines.cassandraKeyspace,
      credentials: config.engines.cassandraCredentials,
    },
    service,
  );
  cassandra.connect().catch((error: unknown) => logger.warn({ err: error }, 'Cassandra is not reachable yet'));
  // No connection up front: the subgraph serves (and reports not ready) while an engine is down.
  const server = await startSearchSubgraph({
    elasticsearch,
    cassandra,
    indices: {
      users: env.string('SEARCH_USERS_INDEX', defaultSearchIndices.users),
      posts: env.string('SEARCH_POSTS_INDEX', defaultSearchIndices.posts),
      audiences: env.string('SEARCH_AUDIENCES_INDEX', defaultSearchIndices.audiences),
    },
    logger,
    metrics,
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
    await Promise.allSettled([elasticsearch.close(), cassandra.shutdown()]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, `${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
