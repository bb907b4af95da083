import type cassandra from 'cassandra-driver';
import type { ConnectionLevel } from '@verograph/domain';

import { pages } from '../cassandra/pages.ts';
import { CONNECTED, parseAudience, parseLevel } from '../cassandra/systemOfRecord.ts';
import type { FeedRow, PostState } from './feedPlan.ts';
import { relationOf } from './feedPlan.ts';
import type { AuthorRelation } from '@verograph/domain';

/** A recent post of an author, from `posts_by_author` (its audience may be unreadable). */
export interface AuthorPost {
  readonly postId: string;
  readonly createdAt: Date;
}

/**
 * The feeds projector's Cassandra edge: reads of the system of record (follows, connections,
 * posts) and writes of `feed_by_viewer` and `pulled_authors`. No decisions are made here.
 */
export interface FeedStore {
  /** The author's connections (state CONNECTED) and how the author files each. */
  connectionsOf(authorId: string): Promise<Map<string, ConnectionLevel | undefined>>;
  /** The author's followers, a page at a time, without holding them all in memory. */
  followersOf(authorId: string, pageSize: number): AsyncIterable<string[]>;
  followerCount(authorId: string): Promise<bigint | undefined>;
  pulledSince(authorId: string): Promise<Date | undefined>;
  /** Records the author as pulled (the first record wins) and returns since when. */
  markPulled(authorId: string, since: Date): Promise<Date>;
  relation(authorId: string, viewerId: string): Promise<AuthorRelation>;
  recentPosts(authorId: string, limit: number): Promise<AuthorPost[]>;
  /** Posts by id; one that no longer exists is absent from the map. */
  postStates(postIds: readonly string[]): Promise<Map<string, PostState>>;
  timelineRowsOf(viewerId: string, authorId: string): Promise<FeedRow[]>;
  insertRows(rows: readonly FeedRow[], writeTimestamp: bigint): Promise<void>;
  deleteRows(rows: readonly FeedRow[], writeTimestamp: bigint): Promise<void>;
}

export interface FeedStoreSettings {
  /** Timeline rows per unlogged batch; every row of a batch belongs to the same replica. */
  readonly batchSize: number;
  /** Batches in flight at once during a fan-out. */
  readonly concurrency: number;
}

export const defaultFeedStoreSettings: FeedStoreSettings = { batchSize: 25, concurrency: 32 };

const INSERT_ROW =
  'INSERT INTO feed_by_viewer (viewer_id, created_at, post_id, author_id) VALUES (?, ?, ?, ?) USING TIMESTAMP ?';
const DELETE_ROW =
  'DELETE FROM feed_by_viewer USING TIMESTAMP ? WHERE viewer_id = ? AND created_at = ? AND post_id = ?';

export function createFeedStore(
  client: cassandra.Client,
  settings: FeedStoreSettings = defaultFeedStoreSettings,
): FeedStore {
  /**
   * Fan-out writes one row into each of thousands of partitions. One request per row costs the
   * client and the coordinator more than the writes themselves, so rows go in small unlogged
   * batches, each grouped by the replica that owns its rows (no batch makes a coordinator
   * forward to other nodes), a bounded number in flight. Small enough to stay under
   * batch_size_warn_threshold (5 KiB). Every write is an idempotent upsert or delete at a fixed
   * timestamp, so a failed batch fails the event and its retry rewrites the same cells.
   */
  const writeRows = async (query: string, parameters: unknown[][], viewerIds: readonly string[]) => {
    const byReplica = new Map<string, unknown[][]>();
    // Hashing keys to tokens costs the client ~40 µs a row: only worth it with several replicas.
    const grouped = client.hosts.length > 1 && client.keyspace !== undefined;
    parameters.forEach((params, i) => {
      const owner = grouped
        ? (client.getReplicas(client.keyspace, Buffer.from(viewerIds[i]!, 'utf8'))?.[0]?.address ?? 'any')
        : 'any';
      const group = byReplica.get(owner) ?? [];
      group.push(params);
      byReplica.set(owner, group);
    });
    const batches: unknown[][][] = [];
    for (const group of byReplica.values()) {
      for (let i = 0; i < group.length; i += settings.batchSize) batches.push(group.slice(i, i + settings.batchSize));
    }
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        if (batch.length === 1) await client.execute(query, batch[0], { prepare: true });
        else
          await client.batch(
            batch.map((params) => ({ query, params })),
            { prepare: true, logged: false },
          );
      }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, batches.length) }, worker));
  };

  return {
    async connectionsOf(authorId) {
      const connections = new Map<string, ConnectionLevel | undefined>();
      for await (const row of pages(
        client,
        'SELECT other_id, state, my_level FROM connections WHERE user_id = ?',
        [authorId],
        1000,
      )) {
        if (row.get('state') === CONNECTED)
          connections.set(String(row.get('other_id')), parseLevel(row.get('my_level')));
      }
      return connections;
    },

    async *followersOf(authorId, pageSize) {
      let pageState: string | undefined;
      do {
        const result = await client.execute(
          'SELECT follower_id FROM follows_by_followee WHERE followee_id = ?',
          [authorId],
          { prepare: true, fetchSize: pageSize, pageState },
        );
        const page = result.rows.map((r) => String(r.get('follower_id')));
        if (page.length > 0) yield page;
        pageState = result.pageState ?? undefined;
      } while (pageState);
    },

    async followerCount(authorId) {
      const row = (
        await client.execute('SELECT follower_count FROM user_counts WHERE user_id = ?', [authorId])
      ).first();
      const count: unknown = row?.get('follower_count');
      return typeof count === 'bigint' ? count : undefined;
    },

    async pulledSince(authorId) {
      const row = (await client.execute('SELECT since FROM pulled_authors WHERE author_id = ?', [authorId])).first();
      return (row?.get('since') as Date | null | undefined) ?? undefined;
    },

    async markPulled(authorId, since) {
      const result = await client.execute('INSERT INTO pulled_authors (author_id, since) VALUES (?, ?) IF NOT EXISTS', [
        authorId,
        since,
      ]);
      const row = result.first();
      return row?.get('[applied]') ? since : ((row?.get('since') as Date | null) ?? since);
    },

    async relation(authorId, viewerId) {
      const [connection, follow] = await Promise.all([
        client.execute('SELECT state, my_level FROM connections WHERE user_id = ? AND other_id = ?', [
          authorId,
          viewerId,
        ]),
        client.execute('SELECT followee_id FROM follows_by_follower WHERE follower_id = ? AND followee_id = ?', [
          viewerId,
          authorId,
        ]),
      ]);
      const row = connection.first();
      const level = row?.get('state') === CONNECTED ? parseLevel(row.get('my_level')) : undefined;
      return relationOf(level, follow.rowLength > 0);
    },

    async recentPosts(authorId, limit) {
      const result = await client.execute(
        'SELECT post_id, created_at FROM posts_by_author WHERE author_id = ? LIMIT ?',
        [authorId, limit],
      );
      return result.rows.map((r) => ({ postId: String(r.get('post_id')), createdAt: r.get('created_at') as Date }));
    },

    async postStates(postIds) {
      const states = new Map<string, PostState>();
      const unique = [...new Set(postIds)];
      for (let i = 0; i < unique.length; i += 100) {
        const result = await client.execute(
          'SELECT id, author_id, audience, created_at, deleted FROM posts WHERE id IN ?',
          [unique.slice(i, i + 100)],
        );
        for (const row of result.rows) {
          const createdAt = row.get('created_at') as Date | null;
          if (!createdAt) continue;
          states.set(String(row.get('id')), {
            postId: String(row.get('id')),
            authorId: String(row.get('author_id')),
            // An unreadable audience is read as the narrowest, so a post is never shown too widely.
            audience: parseAudience(row.get('audience')) ?? 'CLOSE_FRIENDS',
            createdAt,
            deleted: row.get('deleted') === true,
          });
        }
      }
      return states;
    },

    async timelineRowsOf(viewerId, authorId) {
      const rows: FeedRow[] = [];
      // Filters one viewer's partition, a page at a time. An index on author_id would make this
      // a lookup, but doubles the cost of every fan-out write (see migration 0031); a relation
      // change is rare next to a post.
      for await (const row of pages(
        client,
        'SELECT viewer_id, created_at, post_id, author_id FROM feed_by_viewer WHERE viewer_id = ? AND author_id = ? ALLOW FILTERING',
        [viewerId, authorId],
        1000,
      )) {
        rows.push({
          viewerId: String(row.get('viewer_id')),
          createdAt: row.get('created_at') as Date,
          postId: String(row.get('post_id')),
          authorId: String(row.get('author_id')),
        });
      }
      return rows;
    },

    insertRows: (rows, at) =>
      writeRows(
        INSERT_ROW,
        rows.map((r) => [r.viewerId, r.createdAt, r.postId, r.authorId, at]),
        rows.map((r) => r.viewerId),
      ),

    deleteRows: (rows, at) =>
      writeRows(
        DELETE_ROW,
        rows.map((r) => [at, r.viewerId, r.createdAt, r.postId]),
        rows.map((r) => r.viewerId),
      ),
  };
}
