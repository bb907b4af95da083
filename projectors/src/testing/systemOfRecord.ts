import type cassandra from 'cassandra-driver';
import type { Audience, ConnectionLevel } from '@verograph/domain';

import type { FeedRow } from '../feeds/feedPlan.ts';

/**
 * Writes the system of record the way the writers do, so integration specs can give the
 * projectors the state their events describe (the projectors read it, never write it).
 */
export function systemOfRecord(client: cassandra.Client) {
  const now = new Date();
  return {
    async follow(followerId: string, followeeId: string) {
      await client.execute('INSERT INTO follows_by_follower (follower_id, followee_id, created_at) VALUES (?, ?, ?)', [
        followerId,
        followeeId,
        now,
      ]);
      await client.execute('INSERT INTO follows_by_followee (followee_id, follower_id, created_at) VALUES (?, ?, ?)', [
        followeeId,
        followerId,
        now,
      ]);
    },
    async unfollow(followerId: string, followeeId: string) {
      await client.execute('DELETE FROM follows_by_follower WHERE follower_id = ? AND followee_id = ?', [
        followerId,
        followeeId,
      ]);
      await client.execute('DELETE FROM follows_by_followee WHERE followee_id = ? AND follower_id = ?', [
        followeeId,
        followerId,
      ]);
    },
    /** Connects a and b: a files b at `aFilesB`, b files a at `bFilesA`. */
    async connect(a: string, b: string, aFilesB: ConnectionLevel, bFilesA: ConnectionLevel) {
      const q =
        'INSERT INTO connections (user_id, other_id, state, my_level, their_level, updated_at) VALUES (?, ?, ?, ?, ?, ?)';
      await client.execute(q, [a, b, 'CONNECTED', aFilesB, bFilesA, now]);
      await client.execute(q, [b, a, 'CONNECTED', bFilesA, aFilesB, now]);
    },
    async request(requester: string, addressee: string, level: ConnectionLevel) {
      const q = 'INSERT INTO connections (user_id, other_id, state, my_level, updated_at) VALUES (?, ?, ?, ?, ?)';
      await client.execute(q, [requester, addressee, 'OUTGOING', level, now]);
      await client.execute(q, [addressee, requester, 'INCOMING', null, now]);
    },
    /** `author` refiles `viewer`. */
    async setLevel(author: string, viewer: string, level: ConnectionLevel) {
      await client.execute('UPDATE connections SET my_level = ? WHERE user_id = ? AND other_id = ?', [
        level,
        author,
        viewer,
      ]);
      await client.execute('UPDATE connections SET their_level = ? WHERE user_id = ? AND other_id = ?', [
        level,
        viewer,
        author,
      ]);
    },
    async disconnect(a: string, b: string) {
      await client.execute('DELETE FROM connections WHERE user_id = ? AND other_id = ?', [a, b]);
      await client.execute('DELETE FROM connections WHERE user_id = ? AND other_id = ?', [b, a]);
    },
    async post(p: { postId: string; authorId: string; audience: Audience; createdAt: Date }) {
      await client.execute(
        `INSERT INTO posts (id, author_id, kind, audience, caption, created_at, deleted, love_count, comment_count)
         VALUES (?, ?, 'TEXT', ?, 'caption', ?, false, 0, 0)`,
        [p.postId, p.authorId, p.audience, p.createdAt],
      );
      await client.execute(
        'INSERT INTO posts_by_author (author_id, created_at, post_id, kind, audience) VALUES (?, ?, ?, ?, ?)',
        [p.authorId, p.createdAt, p.postId, 'TEXT', p.audience],
      );
    },
    async deletePost(postId: string) {
      await client.execute('UPDATE posts SET deleted = true WHERE id = ?', [postId]);
    },
    async setEngagement(postId: string, loveCount: number, commentCount: number, latestCommentId = '') {
      await client.execute('UPDATE posts SET love_count = ?, comment_count = ?, latest_comment_id = ? WHERE id = ?', [
        BigInt(loveCount),
        BigInt(commentCount),
        latestCommentId,
        postId,
      ]);
    },
    async setFollowerCount(userId: string, count: number) {
      await client.execute('INSERT INTO user_counts (user_id, follower_count) VALUES (?, ?)', [userId, BigInt(count)]);
    },
  };
}

/** One viewer's timeline, newest first, as post ids. */
export async function timelineOf(client: cassandra.Client, viewerId: string): Promise<string[]> {
  const result = await client.execute('SELECT post_id FROM feed_by_viewer WHERE viewer_id = ?', [viewerId]);
  return result.rows.map((r) => String(r.get('post_id')));
}

/** The timelines of some viewers, as sorted post ids each: a comparable snapshot. */
export async function timelinesOf(
  client: cassandra.Client,
  viewerIds: readonly string[],
): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const viewer of viewerIds) snapshot[viewer] = (await timelineOf(client, viewer)).sort();
  return snapshot;
}

/** Every row of `feed_by_viewer` (the spec's keyspace is small), sorted: a comparable snapshot. */
export async function allFeedRows(client: cassandra.Client): Promise<FeedRow[]> {
  const rows: FeedRow[] = [];
  let pageState: string | undefined;
  do {
    const result = await client.execute('SELECT viewer_id, created_at, post_id, author_id FROM feed_by_viewer', [], {
      fetchSize: 5000,
      pageState,
    });
    for (const r of result.rows) {
      rows.push({
        viewerId: String(r.get('viewer_id')),
        createdAt: r.get('created_at') as Date,
        postId: String(r.get('post_id')),
        authorId: String(r.get('author_id')),
      });
    }
    pageState = result.pageState ?? undefined;
  } while (pageState);
  return rows.sort((a, b) => `${a.viewerId}/${a.postId}`.localeCompare(`${b.viewerId}/${b.postId}`));
}
