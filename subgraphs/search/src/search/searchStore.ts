import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '@verograph/service';
import type { Registry } from 'prom-client';
import { Histogram } from 'prom-client';

import { asSearchError } from '../store/elasticsearch.ts';
import type { SearchKey } from './searchCursor.ts';
import type { SearchIndices } from './searchIndices.ts';
import { POST_CLAUSE, searchRequest, USER_CLAUSE } from './searchRequest.ts';

/** A search hit as an entity reference; the users and posts subgraphs complete it. */
export interface SearchHit {
  readonly __typename: 'User' | 'Post';
  readonly id: string;
  readonly key: SearchKey;
}

export interface SearchQuery {
  readonly text: string;
  readonly viewerId: string | undefined;
  readonly size: number;
  readonly after: SearchKey | undefined;
}

/** The search subgraph's Elasticsearch edge: one request per query. */
export interface SearchStore {
  search(query: SearchQuery): Promise<SearchHit[]>;
}

export interface SearchStoreOptions {
  readonly client: Client;
  readonly indices: SearchIndices;
  readonly logger?: Logger;
  readonly metrics?: Registry;
}

export function createSearchStore(options: SearchStoreOptions): SearchStore {
  const { client, indices, logger, metrics } = options;
  const took = new Histogram({
    name: 'search_elasticsearch_request_duration_seconds',
    help: 'Time of one search request to Elasticsearch, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: metrics ? [metrics] : [],
  });
  return {
    async search(query) {
      const stop = took.startTimer();
      try {
        const response = await client.search(searchRequest({ indices, ...query }));
        stop({ outcome: 'ok' });
        return response.hits.hits.flatMap((hit): SearchHit[] => {
          const [score, id] = hit.sort ?? [];
          if (typeof score !== 'number' || typeof id !== 'string') return [];
          // A list of names, or names with scores when `include_named_queries_score` is on.
          const named = hit.matched_queries ?? [];
          const matched = Array.isArray(named) ? named : Object.keys(named);
          const kind = matched.includes(POST_CLAUSE) ? 'Post' : matched.includes(USER_CLAUSE) ? 'User' : undefined;
          return kind === undefined ? [] : [{ __typename: kind, id, key: { score, id } }];
        });
      } catch (error) {
        stop({ outcome: 'error' });
        throw asSearchError(error, logger);
      }
    },
  };
}
