import type { ViewerRequest } from '@verograph/subgraph-kit';
import { keyedLoader } from '@verograph/subgraph-kit';
import type DataLoader from 'dataloader';

import type { InsightsStore } from './insights/insightsStore.ts';

/** What every request shares, built once at start. */
export interface InsightsServices {
  readonly store: InsightsStore;
  readonly clock: () => Date;
}

/** One request: who asks, the services, and its loaders. */
export interface InsightsContext {
  readonly viewer: ViewerRequest;
  readonly services: InsightsServices;
  readonly loaders: {
    /** Who wrote a post: a feed page's posts cost one query. */
    readonly postAuthor: DataLoader<string, string | undefined>;
  };
}

export function insightsContext(viewer: ViewerRequest, services: InsightsServices): InsightsContext {
  return {
    viewer,
    services,
    loaders: { postAuthor: keyedLoader((ids: readonly string[]) => services.store.postAuthors(ids)) },
  };
}
