import type { PostAudienceCheck } from '@verograph/posts-subgraph/audienceCheck';
import type { ViewerRequest } from '@verograph/subgraph-kit';

import type { SearchStore } from './search/searchStore.ts';

/** What every request shares, built once at start. */
export interface SearchServices {
  readonly search: SearchStore;
  /** The posts subgraph's audience rule, read from Cassandra: every post hit must pass it. */
  readonly posts: PostAudienceCheck;
}

/** One request: who asks, and the services. Search needs no loaders: one query, one request. */
export interface SearchContext {
  readonly viewer: ViewerRequest;
  readonly services: SearchServices;
}
