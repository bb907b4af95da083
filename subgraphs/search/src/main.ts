/**
 * The search subgraph's composition root: subgraph-kit's read-only Cassandra root (post hits are
 * checked against the system of record before they are answered) plus its Elasticsearch client.
 * `npm run start -w @verograph/search-subgraph` or `tsx subgraphs/search/src/main.ts`.
 */
import { runReadOnlyCassandraSubgraph } from '@verograph/subgraph-kit';

import { defaultSearchIndices } from './search/searchIndices.ts';
import { startSearchSubgraph } from './searchSubgraph.ts';
import { createElasticsearchClient } from './store/elasticsearch.ts';

runReadOnlyCassandraSubgraph({
  name: 'search',
  defaultPort: 4004,
  async start({ env, engines, ...dependencies }) {
    const elasticsearch = createElasticsearchClient({
      url: engines.elasticsearchUrl,
      // Two tries (the client retries once) must end before the gateway's 5 s subgraph timeout,
      // so a slow Elasticsearch answers STORE_UNAVAILABLE rather than costing the whole subgraph.
      requestTimeoutMs: env.int('SEARCH_TIMEOUT_MS', 2_000, { min: 100, max: 60_000 }),
    });
    // No connection up front: the subgraph serves (and reports not ready) while an engine is down.
    const server = await startSearchSubgraph({
      ...dependencies,
      elasticsearch,
      indices: {
        users: env.string('SEARCH_USERS_INDEX', defaultSearchIndices.users),
        posts: env.string('SEARCH_POSTS_INDEX', defaultSearchIndices.posts),
        audiences: env.string('SEARCH_AUDIENCES_INDEX', defaultSearchIndices.audiences),
      },
    });
    return {
      ...server,
      async close() {
        await server.close();
        await elasticsearch.close();
      },
    };
  },
});
