import type { ViewerRequest } from '@verograph/subgraph-kit';

import type { SearchStore } from './search/searchStore.ts';

/** What every request shares, built once at start. */
export interface SearchServices {
  readonly search: SearchStore;
}

/** One request: who asks, and the services. Search needs no loaders: one query, one request. */
export interface SearchContext {
  readonly viewer: ViewerRequest;
  readonly services: SearchServices;
}
