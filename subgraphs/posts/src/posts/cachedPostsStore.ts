import { Counter, type Registry } from 'prom-client';

import type { PostCache } from './postCache.ts';
import type { PostRow, PostsStore } from './postsStore.ts';

/** The posts store with `postsByIds` answered from the cache where it can, the rest read in one batch. */
export function cachedPostsStore(store: PostsStore, cache: PostCache, metrics: Registry): PostsStore {
  const lookups = new Counter({
    name: 'posts_row_cache_lookups_total',
    help: 'Post rows asked of the row cache, by whether they were found fresh (hit) or read from Cassandra (miss).',
    labelNames: ['result'],
    registers: [metrics],
  });
  return {
    ...store,
    async postsByIds(ids, fromMemory) {
      const { found, missing } = cache.lookup(ids);
      if (found.size > 0) lookups.inc({ result: 'hit' }, found.size);
      for (const id of found.keys()) fromMemory?.add(id);
      if (missing.length === 0) return found;
      lookups.inc({ result: 'miss' }, missing.length);
      const readSince = cache.now();
      const read: Map<string, PostRow> = await store.postsByIds(missing);
      cache.store(read.values(), readSince);
      for (const [id, row] of read) found.set(id, row);
      return found;
    },
  };
}
