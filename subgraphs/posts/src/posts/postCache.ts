import type { PostRow } from './postsStore.ts';

export interface PostCacheOptions {
  /** A cached row older than this is read again, event or not: bounds the cost of any missed event. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * Post rows as the posts table holds them, shared by every request of this process. Every
 * feed page, profile and collection reads up to 20 of them (20 partitions: the costliest read
 * of a feed), and a row changes only with its own post's events, which the writers publish on
 * posts.events keyed by post id: `invalidate` is called with each key (and by this process
 * after a command it published, so its own mutations read their effect at once).
 *
 * What a viewer may see is never decided here: audiences and relations are read on every
 * request, and the row carries the post's own audience, which never changes.
 */
export interface PostCache {
  /** The fresh cached rows among `ids`; the rest are to be read. */
  lookup(ids: readonly string[]): { readonly found: Map<string, PostRow>; readonly missing: string[] };
  /**
   * Keeps rows read from the store. `readSince` is when that read started: a row whose post
   * was invalidated since may be older than the event and is not kept.
   */
  store(rows: Iterable<PostRow>, readSince: number): void;
  /** Forgets a post (an event about it, or a command this process published for it). */
  invalidate(postId: string): void;
  /**
   * Caching happens only while live (the invalidation feed is joined); going live or leaving
   * it empties the cache, since events may have gone by unheard in between.
   */
  setLive(live: boolean): void;
  /** The time `store` wants as `readSince`. */
  now(): number;
  readonly size: number;
}

/** Invalidations remembered this long, to refuse rows from reads that were in flight across them. */
const TOMBSTONE_MS = 30_000;

export function createPostCache(options: PostCacheOptions): PostCache {
  const now = options.now ?? (() => performance.now());
  // Insertion-ordered: re-inserting on a hit keeps the least recently used first.
  const rows = new Map<string, { readonly row: PostRow; readonly until: number }>();
  const invalidatedAt = new Map<string, number>();
  let live = false;
  // Nothing stored while any read older than this may still return: the moment live began.
  let liveSince = Number.POSITIVE_INFINITY;

  const forgetOldTombstones = (at: number): void => {
    for (const [id, when] of invalidatedAt) {
      if (at - when < TOMBSTONE_MS) break;
      invalidatedAt.delete(id);
    }
  };

  return {
    lookup(ids) {
      const found = new Map<string, PostRow>();
      const missing: string[] = [];
      const at = now();
      for (const id of ids) {
        const entry = live ? rows.get(id) : undefined;
        if (entry !== undefined && entry.until > at) {
          rows.delete(id);
          rows.set(id, entry);
          found.set(id, entry.row);
        } else {
          if (entry !== undefined) rows.delete(id);
          missing.push(id);
        }
      }
      return { found, missing };
    },
    store(read, readSince) {
      if (!live || readSince < liveSince) return;
      const at = now();
      for (const row of read) {
        const invalidated = invalidatedAt.get(row.id);
        if (invalidated !== undefined && invalidated >= readSince) continue;
        rows.delete(row.id);
        rows.set(row.id, { row, until: at + options.ttlMs });
      }
      while (rows.size > options.maxEntries) {
        const oldest = rows.keys().next();
        if (oldest.done === true) break;
        rows.delete(oldest.value);
      }
    },
    invalidate(postId) {
      const at = now();
      rows.delete(postId);
      invalidatedAt.delete(postId);
      invalidatedAt.set(postId, at);
      forgetOldTombstones(at);
    },
    setLive(next) {
      if (next === live) return;
      live = next;
      rows.clear();
      liveSince = next ? now() : Number.POSITIVE_INFINITY;
    },
    now,
    get size() {
      return rows.size;
    },
  };
}
