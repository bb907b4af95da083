import type { CqlClient, TimeKey } from '@verograph/subgraph-kit';
import { MAX_BATCH, rows, text, timestamp } from '@verograph/subgraph-kit';

import type { PostIndexEntry } from '../posts/postsStore.ts';
import { afterClause } from '../posts/postsStore.ts';

/** The feed's reads: the fanned-out timeline and the authors whose posts are pulled instead. */
export interface FeedStore {
  /** The viewer's timeline (feed_by_viewer), newest first, strictly after `after`. */
  timeline(viewerId: string, after: TimeKey | undefined, limit: number): Promise<PostIndexEntry[]>;
  /** The authors the viewer follows whose posts are not fanned out (pulled_authors). */
  pulledFollowees(viewerId: string): Promise<string[]>;
  /**
   * Everyone the viewer follows, up to a bound; `complete` says the list is whole (the viewer
   * follows fewer than the bound), so it can also answer "does the viewer follow X".
   */
  followees(viewerId: string): Promise<{ readonly ids: readonly string[]; readonly complete: boolean }>;
  /** Which of the authors are pulled on read rather than fanned out. */
  pulledAmong(authorIds: readonly string[]): Promise<string[]>;
}

/** Follows read for the pull side of one feed page; a viewer following more sees the first ones. */
const MAX_FOLLOWEES = 5_000;

export interface FeedStoreOptions {
  /**
   * How long an author's pulled-or-pushed status is taken as known. Every feed read asks it
   * for every followee (one partition read each), and it changes once in an author's life:
   * when the feed projector starts pulling them. For at most this long after that switch,
   * their newest posts may be missing from feeds (what the viewer may see is still decided
   * per request). 0 asks Cassandra every time.
   */
  readonly pulledStatusTtlMs?: number;
  readonly now?: () => number;
}

/** Authors whose status is remembered at once; past this the memory starts over. */
const MAX_REMEMBERED_AUTHORS = 100_000;

export function createFeedStore(client: CqlClient, options: FeedStoreOptions = {}): FeedStore {
  const ttlMs = options.pulledStatusTtlMs ?? 2_000;
  const now = options.now ?? Date.now;
  const pulledStatus = new Map<string, { readonly pulled: boolean; readonly until: number }>();
  const store: FeedStore = {
    async timeline(viewerId, after, limit) {
      const page = afterClause(after, 'post_id');
      const found = await rows(
        client,
        `SELECT created_at, post_id, author_id FROM feed_by_viewer WHERE viewer_id = ?${page.cql} LIMIT ?`,
        [viewerId, ...page.params, limit],
      );
      return found.map((r) => {
        const postId = text(r.get('post_id'));
        return {
          key: { t: timestamp(r.get('created_at')).getTime(), id: postId },
          postId,
          authorId: text(r.get('author_id')),
        };
      });
    },
    async pulledFollowees(viewerId) {
      return store.pulledAmong((await store.followees(viewerId)).ids);
    },
    async followees(viewerId) {
      const ids = (
        await rows(client, 'SELECT followee_id FROM follows_by_follower WHERE follower_id = ? LIMIT ?', [
          viewerId,
          MAX_FOLLOWEES,
        ])
      ).map((r) => text(r.get('followee_id')));
      return { ids, complete: ids.length < MAX_FOLLOWEES };
    },
    async pulledAmong(authorIds) {
      const at = now();
      const pulled: string[] = [];
      const unknown: string[] = [];
      for (const id of authorIds) {
        const known = pulledStatus.get(id);
        if (known !== undefined && known.until > at) {
          if (known.pulled) pulled.push(id);
        } else unknown.push(id);
      }
      const batches: string[][] = [];
      for (let i = 0; i < unknown.length; i += MAX_BATCH) batches.push(unknown.slice(i, i + MAX_BATCH));
      // Concurrent batches: a viewer following 300 people costs one round trip of latency, not three.
      const answers = await Promise.all(
        batches.map((ids) => rows(client, 'SELECT author_id FROM pulled_authors WHERE author_id IN ?', [ids])),
      );
      const found = new Set(answers.flatMap((batch) => batch.map((r) => text(r.get('author_id')))));
      if (ttlMs > 0) {
        if (pulledStatus.size + unknown.length > MAX_REMEMBERED_AUTHORS) pulledStatus.clear();
        for (const id of unknown) pulledStatus.set(id, { pulled: found.has(id), until: at + ttlMs });
      }
      pulled.push(...unknown.filter((id) => found.has(id)));
      return pulled;
    },
  };
  return store;
}
