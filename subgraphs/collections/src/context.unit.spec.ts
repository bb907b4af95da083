import type { CommandBus, ViewerRequest } from '@verograph/subgraph-kit';
import { describe, expect, it } from 'vitest';

import type { CollectionsStore } from './collections/collectionsStore.ts';
import { createCollectionsContext } from './context.ts';
import type { CollectionItemsStore, VisibleItem } from './items/collectionItemsStore.ts';

/** In-memory stores (pure data, no engine) that record every batch they are asked. */
function stores() {
  const calls: Array<{ kind: string; ids: readonly string[]; after?: string; limit?: number }> = [];
  const item = (collectionId: string, n: number): VisibleItem => ({
    collectionId,
    postId: `${collectionId}-p${n}`,
    position: String(n),
  });
  const items: CollectionItemsStore = {
    async visiblePages(ids, _viewer, after, limit) {
      calls.push({ kind: 'pages', ids, after: after?.postId, limit });
      return new Map(ids.map((id) => [id, [item(id, 1), item(id, 2)]]));
    },
    async visibleCounts(ids) {
      calls.push({ kind: 'counts', ids });
      return new Map(ids.map((id) => [id, 2]));
    },
    postVisibleTo: async () => true,
    contains: async () => true,
  };
  const collections: CollectionsStore = {
    collectionsByIds: async () => new Map(),
    ownerCollections: async () => [],
  };
  const services = {
    collections,
    items,
    bus: {} as CommandBus,
    idSecret: 'unit-id-secret',
    commandsTopic: 'collections.commands',
  };
  const as = (viewerId: string | undefined) =>
    createCollectionsContext(services, { viewerId, idempotencyKey: undefined, trace: {} } as ViewerRequest);
  return { calls, as };
}

describe('collections loaders', () => {
  it('given the pages of three collections with the same arguments, when loaded together, then one query', async () => {
    const { calls, as } = stores();
    const { loaders } = as('viewer');
    const pages = await Promise.all(
      ['c1', 'c2', 'c3'].map((collectionId) => loaders.itemsPage.load({ collectionId, after: undefined, limit: 3 })),
    );
    expect(pages.map((p) => p.map((i) => i.postId))).toEqual([
      ['c1-p1', 'c1-p2'],
      ['c2-p1', 'c2-p2'],
      ['c3-p1', 'c3-p2'],
    ]);
    expect(calls).toEqual([{ kind: 'pages', ids: ['c1', 'c2', 'c3'], after: undefined, limit: 3 }]);
  });

  it('given pages with different cursors, when loaded together, then one query per cursor, answers kept apart', async () => {
    const { calls, as } = stores();
    const { loaders } = as('viewer');
    await Promise.all([
      loaders.itemsPage.load({ collectionId: 'c1', after: undefined, limit: 3 }),
      loaders.itemsPage.load({ collectionId: 'c2', after: { position: '5', postId: 'x' }, limit: 3 }),
      loaders.itemsPage.load({ collectionId: 'c3', after: undefined, limit: 3 }),
    ]);
    expect(calls).toEqual([
      { kind: 'pages', ids: ['c1', 'c3'], after: undefined, limit: 3 },
      { kind: 'pages', ids: ['c2'], after: 'x', limit: 3 },
    ]);
  });

  it('given counts of several collections, when loaded together, then one query', async () => {
    const { calls, as } = stores();
    const { loaders } = as('viewer');
    expect(await Promise.all(['c1', 'c2'].map((id) => loaders.visibleCount.load(id)))).toEqual([2, 2]);
    expect(calls).toEqual([{ kind: 'counts', ids: ['c1', 'c2'] }]);
  });

  it('given an anonymous viewer, when pages and counts load, then nothing is visible and nothing is asked', async () => {
    const { calls, as } = stores();
    const { loaders } = as(undefined);
    expect(await loaders.itemsPage.load({ collectionId: 'c1', after: undefined, limit: 3 })).toEqual([]);
    expect(await loaders.visibleCount.load('c1')).toBe(0);
    expect(calls).toEqual([]);
  });
});
