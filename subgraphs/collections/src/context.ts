import type { CommandServices, ViewerRequest } from '@verograph/subgraph-kit';
import { keyedLoader, MAX_BATCH } from '@verograph/subgraph-kit';
import DataLoader from 'dataloader';

import type { CollectionRow, CollectionsStore } from './collections/collectionsStore.ts';
import type { CollectionItemsStore, VisibleItem } from './items/collectionItemsStore.ts';
import type { ItemKey } from './items/itemCursor.ts';

/** The stores and the command path, built once at start and shared by every request. */
export interface CollectionsServices extends CommandServices {
  readonly collections: CollectionsStore;
  readonly items: CollectionItemsStore;
}

/** One page of one collection's visible items, as a DataLoader key. */
export interface ItemsPageKey {
  readonly collectionId: string;
  readonly after: ItemKey | undefined;
  /** Rows to read: the page size plus one, to know whether there is a next page. */
  readonly limit: number;
}

/** One request's loaders: each collection and each count is fetched once, in batches. */
export interface CollectionsLoaders {
  readonly collection: DataLoader<string, CollectionRow | undefined>;
  /** How many items of a collection the viewer may see. */
  readonly visibleCount: DataLoader<string, number>;
  readonly itemsPage: DataLoader<ItemsPageKey, VisibleItem[], string>;
}

export interface CollectionsContext {
  readonly viewer: ViewerRequest;
  readonly services: CollectionsServices;
  readonly loaders: CollectionsLoaders;
}

/** What pages of different collections must share to be read in one query: the cursor and the size. */
const pageShape = (key: ItemsPageKey) => `${key.after?.position ?? ''}|${key.after?.postId ?? ''}|${key.limit}`;
const pageKey = (key: ItemsPageKey) => `${key.collectionId}|${pageShape(key)}`;

/**
 * The loaders of one request. An anonymous viewer sees no posts (the audience rule admits
 * nobody who is not signed in), so their counts and pages cost no query at all.
 */
export function createCollectionsContext(services: CollectionsServices, viewer: ViewerRequest): CollectionsContext {
  const { collections, items } = services;
  const viewerId = viewer.viewerId;
  return {
    viewer,
    services,
    loaders: {
      collection: keyedLoader((ids: readonly string[]) => collections.collectionsByIds(ids)),
      visibleCount: new DataLoader<string, number>(
        async (ids) => {
          if (viewerId === undefined) return ids.map(() => 0);
          const counts = await items.visibleCounts(ids, viewerId);
          return ids.map((id) => counts.get(id) ?? 0);
        },
        { maxBatchSize: MAX_BATCH },
      ),
      // The pages of one gateway fetch usually share their arguments: one query per shape.
      itemsPage: new DataLoader<ItemsPageKey, VisibleItem[], string>(
        async (keys) => {
          if (viewerId === undefined) return keys.map(() => []);
          const shapes = new Map<string, ItemsPageKey[]>();
          for (const key of keys) shapes.set(pageShape(key), [...(shapes.get(pageShape(key)) ?? []), key]);
          const found = new Map<string, VisibleItem[]>();
          await Promise.all(
            [...shapes.values()].map(async (group) => {
              const { after, limit } = group[0]!;
              const ids = group.map((key) => key.collectionId);
              const pages = await items.visiblePages(ids, viewerId, after, limit);
              for (const key of group) found.set(pageKey(key), pages.get(key.collectionId) ?? []);
            }),
          );
          return keys.map((key) => found.get(pageKey(key)) ?? []);
        },
        { maxBatchSize: MAX_BATCH, cacheKeyFn: pageKey },
      ),
    },
  };
}
