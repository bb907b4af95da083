import { readFileSync } from 'node:fs';

import type { Client } from '@elastic/elasticsearch';
import { createPostAudienceCheck } from '@verograph/posts-subgraph/audienceCheck';
import type { CqlClient, SubgraphServer, SubgraphServing } from '@verograph/subgraph-kit';
import { cassandraReady, createSubgraphServer, servingOf } from '@verograph/subgraph-kit';
import { parse } from 'graphql';

import type { SearchContext, SearchServices } from './context.ts';
import { defaultSearchIndices, type SearchIndices } from './search/searchIndices.ts';
import { searchResolvers } from './search/searchResolvers.ts';
import { createSearchStore } from './search/searchStore.ts';
import { elasticsearchReady } from './store/elasticsearch.ts';

/** The search subgraph's SDL, the contract composed into the supergraph. */
export const searchTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface SearchSubgraphOptions extends SubgraphServing {
  readonly elasticsearch: Client;
  /** Read only: the posts, connections and follows rows behind the read-time audience check. */
  readonly cassandra: CqlClient;
  /** The aliases `users`, `posts` and `audiences` unless a spec gives indices of its own. */
  readonly indices?: SearchIndices;
}

/**
 * Starts the search subgraph: users and visible posts from Elasticsearch, as entity references,
 * each post checked against the system of record before it is answered.
 */
export async function startSearchSubgraph(options: SearchSubgraphOptions): Promise<SubgraphServer> {
  const { elasticsearch, cassandra, logger, metrics } = options;
  const indices = options.indices ?? defaultSearchIndices;
  const services: SearchServices = {
    search: createSearchStore({ client: elasticsearch, indices, logger, metrics }),
    posts: createPostAudienceCheck(cassandra),
  };
  return createSubgraphServer<SearchContext>({
    name: 'search',
    typeDefs: searchTypeDefs,
    resolvers: {
      Query: searchResolvers.Query,
      SearchResult: searchResolvers.SearchResult,
    },
    context: (viewer) => ({ viewer, services }),
    ...servingOf(options),
    ready: async () => {
      await Promise.all([
        elasticsearchReady(elasticsearch, [indices.users, indices.posts, indices.audiences]),
        cassandraReady(cassandra),
      ]);
    },
  });
}
