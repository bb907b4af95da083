import { describe, expect, it } from 'vitest';

import { createPostCache } from './postCache.ts';
import type { PostRow } from './postsStore.ts';

const row = (id: string, loveCount = 0): PostRow => ({
  __typename: 'Post',
  id,
  authorId: 'author',
  kind: 'TEXT',
  audience: 'FOLLOWERS',
  caption: `caption ${id}`,
  url: null,
  tags: [],
  createdAt: new Date(0),
  deleted: false,
  loveCount,
  commentCount: 0,
});

function cacheAt(start = 1_000, options: { ttlMs?: number; maxEntries?: number } = {}) {
  const clock = { t: start };
  const cache = createPostCache({
    ttlMs: options.ttlMs ?? 5_000,
    maxEntries: options.maxEntries ?? 100,
    now: () => clock.t,
  });
  cache.setLive(true);
  return { cache, clock };
}

describe('post row cache', () => {
  it('answers stored rows and names the ones it does not have', () => {
    const { cache, clock } = cacheAt();
    clock.t += 1;
    cache.store([row('a'), row('b')], clock.t - 1);
    const { found, missing } = cache.lookup(['a', 'b', 'c']);
    expect([...found.keys()]).toEqual(['a', 'b']);
    expect(found.get('a')?.caption).toBe('caption a');
    expect(missing).toEqual(['c']);
  });

  it('reads a row again once its time to live has passed', () => {
    const { cache, clock } = cacheAt(1_000, { ttlMs: 100 });
    clock.t += 1;
    cache.store([row('a')], clock.t);
    clock.t += 99;
    expect(cache.lookup(['a']).missing).toEqual([]);
    clock.t += 1;
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    expect(cache.size).toBe(0);
  });

  it('drops a post on its event', () => {
    const { cache, clock } = cacheAt();
    clock.t += 1;
    cache.store([row('a'), row('b')], clock.t);
    cache.invalidate('a');
    expect(cache.lookup(['a', 'b']).missing).toEqual(['a']);
  });

  it('does not keep a row whose read was in flight when the post changed', () => {
    const { cache, clock } = cacheAt();
    clock.t += 1;
    const readSince = clock.t;
    clock.t += 5;
    cache.invalidate('a'); // the event arrives while Cassandra is still answering
    clock.t += 5;
    cache.store([row('a', 1), row('b')], readSince);
    expect(cache.lookup(['a', 'b']).missing).toEqual(['a']);
    // A read that starts after the event is kept.
    const later = clock.t;
    cache.store([row('a', 2)], later);
    expect(cache.lookup(['a']).found.get('a')?.loveCount).toBe(2);
  });

  it('forgets invalidations once no read can still be in flight across them', () => {
    const { cache, clock } = cacheAt();
    const readSince = clock.t;
    cache.invalidate('a');
    clock.t += 31_000;
    cache.invalidate('b'); // sweeps old tombstones
    cache.store([row('a')], readSince + 1);
    expect(cache.lookup(['a']).missing).toEqual([]);
  });

  it('caches nothing while its invalidation feed is not live, and starts empty when it is again', () => {
    const { cache, clock } = cacheAt();
    clock.t += 1;
    cache.store([row('a')], clock.t);
    cache.setLive(false);
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    cache.store([row('a')], clock.t);
    expect(cache.size).toBe(0);
    clock.t += 1;
    const beforeLive = clock.t;
    clock.t += 1;
    cache.setLive(true);
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    // A read that began before the feed joined may have missed an event: not kept.
    cache.store([row('a')], beforeLive);
    expect(cache.size).toBe(0);
    cache.store([row('a')], clock.t);
    expect(cache.size).toBe(1);
  });

  it('evicts the least recently used rows past its bound', () => {
    const { cache, clock } = cacheAt(1_000, { maxEntries: 2 });
    clock.t += 1;
    cache.store([row('a'), row('b')], clock.t);
    cache.lookup(['a']); // a is now the most recently used
    cache.store([row('c')], clock.t);
    expect(cache.size).toBe(2);
    expect(cache.lookup(['a', 'b', 'c']).missing).toEqual(['b']);
  });
});
