import { randomUUID } from 'node:crypto';

import type { Audience, ConnectionLevel } from '@verograph/domain';

import type { CqlClient } from '../store/cassandra.ts';

/**
 * Seeds the Cassandra read models directly, as the writers and projectors would have left
 * them. Only for read-side tests: every id is fresh, so parallel runs never meet.
 */
export interface ReadModelFixtures {
  user(options?: { username?: string; displayName?: string; bio?: string; avatarUrl?: string }): Promise<string>;
  counts(userId: string, counts: { followers: number; following: number; connections: number }): Promise<void>;
  follow(followerId: string, followeeId: string): Promise<void>;
  /** Both sides of a connection; `aFilesB` is how a files b. */
  connect(a: string, b: string, aFilesB: ConnectionLevel, bFilesA: ConnectionLevel): Promise<void>;
  /** A pending request from `requester` to `addressee`. */
  request(requester: string, addressee: string, level: ConnectionLevel): Promise<void>;
  /** Changes how `userId` files `otherId` (both rows, as the writer does). */
  setLevel(userId: string, otherId: string, level: ConnectionLevel): Promise<void>;
  post(post: {
    authorId: string;
    audience: Audience;
    kind?: string;
    caption?: string;
    url?: string;
    tags?: string[];
    createdAt?: Date;
    deleted?: boolean;
    loveCount?: number;
    commentCount?: number;
    id?: string;
  }): Promise<{ id: string; createdAt: Date }>;
  feedRow(viewerId: string, post: { id: string; createdAt: Date; authorId: string }): Promise<void>;
  pulledAuthor(authorId: string): Promise<void>;
  love(postId: string, userId: string): Promise<void>;
  comment(postId: string, authorId: string, text: string, createdAt?: Date): Promise<{ id: string; createdAt: Date }>;
  outcome(
    commandId: string,
    aggregateId: string,
    status: 'APPLIED' | 'REJECTED',
    reason?: { code: string; message: string },
    /** The command's fingerprint, as the writer records it from the record's header. */
    fingerprint?: string,
  ): Promise<void>;
}

export function readModelFixtures(client: CqlClient): ReadModelFixtures {
  const run = (cql: string, params: unknown[]) => client.execute(cql, params, { prepare: true });
  return {
    async user(options = {}) {
      const id = `u-${randomUUID()}`;
      const username = options.username ?? `user_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      await run(
        'INSERT INTO users (id, username, display_name, bio, avatar_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          username,
          options.displayName ?? `Name ${username}`,
          options.bio ?? '',
          options.avatarUrl ?? '',
          new Date(),
          new Date(),
        ],
      );
      await run('INSERT INTO users_by_username (username, user_id) VALUES (?, ?)', [username, id]);
      return id;
    },
    async counts(userId, counts) {
      await run(
        'INSERT INTO user_counts (user_id, follower_count, following_count, connection_count) VALUES (?, ?, ?, ?)',
        [userId, counts.followers, counts.following, counts.connections],
      );
    },
    async follow(followerId, followeeId) {
      const now = new Date();
      await run('INSERT INTO follows_by_follower (follower_id, followee_id, created_at) VALUES (?, ?, ?)', [
        followerId,
        followeeId,
        now,
      ]);
      await run('INSERT INTO follows_by_followee (followee_id, follower_id, created_at) VALUES (?, ?, ?)', [
        followeeId,
        followerId,
        now,
      ]);
    },
    async connect(a, b, aFilesB, bFilesA) {
      const now = new Date();
      const cql =
        'INSERT INTO connections (user_id, other_id, state, my_level, their_level, updated_at) VALUES (?, ?, ?, ?, ?, ?)';
      await run(cql, [a, b, 'CONNECTED', aFilesB, bFilesA, now]);
      await run(cql, [b, a, 'CONNECTED', bFilesA, aFilesB, now]);
    },
    async request(requester, addressee, level) {
      const now = new Date();
      const cql =
        'INSERT INTO connections (user_id, other_id, state, my_level, their_level, updated_at) VALUES (?, ?, ?, ?, ?, ?)';
      await run(cql, [requester, addressee, 'OUTGOING', level, null, now]);
      await run(cql, [addressee, requester, 'INCOMING', null, level, now]);
    },
    async setLevel(userId, otherId, level) {
      await run('UPDATE connections SET my_level = ? WHERE user_id = ? AND other_id = ?', [level, userId, otherId]);
      await run('UPDATE connections SET their_level = ? WHERE user_id = ? AND other_id = ?', [level, otherId, userId]);
    },
    async post(post) {
      const id = post.id ?? randomUUID();
      const createdAt = post.createdAt ?? new Date();
      const kind = post.kind ?? 'TEXT';
      await run(
        'INSERT INTO posts (id, author_id, kind, audience, caption, url, tags, created_at, deleted, love_count, comment_count) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          post.authorId,
          kind,
          post.audience,
          post.caption ?? `${post.audience} post`,
          post.url ?? '',
          post.tags ?? [],
          createdAt,
          post.deleted ?? false,
          post.loveCount ?? 0,
          post.commentCount ?? 0,
        ],
      );
      await run('INSERT INTO posts_by_author (author_id, created_at, post_id, kind, audience) VALUES (?, ?, ?, ?, ?)', [
        post.authorId,
        createdAt,
        id,
        kind,
        post.audience,
      ]);
      return { id, createdAt };
    },
    async feedRow(viewerId, post) {
      await run('INSERT INTO feed_by_viewer (viewer_id, created_at, post_id, author_id) VALUES (?, ?, ?, ?)', [
        viewerId,
        post.createdAt,
        post.id,
        post.authorId,
      ]);
    },
    async pulledAuthor(authorId) {
      await run('INSERT INTO pulled_authors (author_id, since) VALUES (?, ?)', [authorId, new Date()]);
    },
    async love(postId, userId) {
      const at = new Date();
      await run('INSERT INTO post_loves (post_id, user_id, created_at) VALUES (?, ?, ?)', [postId, userId, at]);
      await run('INSERT INTO loves_by_user (user_id, post_id, loved_at) VALUES (?, ?, ?)', [userId, postId, at]);
    },
    async comment(postId, authorId, text, createdAt = new Date()) {
      const id = randomUUID();
      await run('INSERT INTO comments (id, post_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)', [
        id,
        postId,
        authorId,
        text,
        createdAt,
      ]);
      await run(
        'INSERT INTO comments_by_post (post_id, created_at, comment_id, author_id, text) VALUES (?, ?, ?, ?, ?)',
        [postId, createdAt, id, authorId, text],
      );
      return { id, createdAt };
    },
    async outcome(commandId, aggregateId, status, reason, fingerprint) {
      await run(
        'INSERT INTO command_outcomes (command_id, aggregate_id, status, reason_code, reason_message, events, decided_at, payload_fingerprint) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [commandId, aggregateId, status, reason?.code ?? '', reason?.message ?? '', [], new Date(), fingerprint ?? ''],
      );
    },
  };
}
