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
}

/** Follows read for the pull side of one feed page; a viewer following more sees the first ones. */
const MAX_FOLLOWEES = 5_000;

export function createFeedStore(client: CqlClient): FeedStore {
  return {
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
      const followees = (
        await rows(client, 'SELECT followee_id FROM follows_by_follower WHERE follower_id = ? LIMIT ?', [
          viewerId,
          MAX_FOLLOWEES,
        ])
      ).map((r) => text(r.get('followee_id')));
      const pulled: string[] = [];
      const batches: string[][] = [];
      for (let i = 0; i < followees.length; i += MAX_BATCH) batches.push(followees.slice(i, i + MAX_BATCH));
      // Concurrent batches: a viewer following 300 people costs one round trip of latency, not three.
      const answers = await Promise.all(
        batches.map((ids) => rows(client, 'SELECT author_id FROM pulled_authors WHERE author_id IN ?', [ids])),
      );
      for (const found of answers) pulled.push(...found.map((r) => text(r.get('author_id'))));
      return pulled;
    },
  };
}
