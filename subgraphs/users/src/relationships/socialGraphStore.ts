import type { ConnectionLevel } from '@verograph/domain';
import type { CqlClient, ScanChunk } from '@verograph/subgraph-kit';
import { rows, text, timestamp } from '@verograph/subgraph-kit';

import { levelOf } from './relationshipsStore.ts';

/** One row of a user's follow list: the other user, and since when. */
export interface FollowRow {
  readonly userId: string;
  readonly since: Date;
}

/** One row of a user's `connections` partition, as its owner sees it. */
export interface ConnectionRow {
  readonly otherId: string;
  /** OUTGOING: the owner asked; INCOMING: the other asked; CONNECTED: both agreed. */
  readonly state: string;
  /** How the owner files the other; never how the other files the owner. */
  readonly myLevel: ConnectionLevel | undefined;
  readonly updatedAt: Date;
}

/**
 * Keyset reads of whole lists, in the tables' clustering order: the other user's id,
 * ascending. Each call reads one partition from just after `afterId`.
 */
export interface SocialGraphStore {
  followers(userId: string, afterId: string | undefined, limit: number): Promise<ScanChunk<FollowRow>>;
  following(userId: string, afterId: string | undefined, limit: number): Promise<ScanChunk<FollowRow>>;
  /** Every row of the user's partition (pending and connected): callers keep the ones they list. */
  connections(userId: string, afterId: string | undefined, limit: number): Promise<ScanChunk<ConnectionRow>>;
}

/** A keyset chunk of one partition: `done` when it held fewer rows than asked. */
async function chunk<R>(
  client: CqlClient,
  table: string,
  partitionKey: string,
  clusteringKey: string,
  columns: string,
  key: string,
  afterId: string | undefined,
  limit: number,
  toRow: (row: Awaited<ReturnType<typeof rows>>[number]) => R,
): Promise<ScanChunk<R>> {
  const after = afterId === undefined ? '' : ` AND ${clusteringKey} > ?`;
  const found = await rows(
    client,
    `SELECT ${clusteringKey}, ${columns} FROM ${table} WHERE ${partitionKey} = ?${after} LIMIT ?`,
    afterId === undefined ? [key, limit] : [key, afterId, limit],
  );
  return { rows: found.map(toRow), done: found.length < limit };
}

export function createSocialGraphStore(client: CqlClient): SocialGraphStore {
  return {
    followers: (userId, afterId, limit) =>
      chunk(client, 'follows_by_followee', 'followee_id', 'follower_id', 'created_at', userId, afterId, limit, (r) => ({
        userId: text(r.get('follower_id')),
        since: timestamp(r.get('created_at')),
      })),
    following: (userId, afterId, limit) =>
      chunk(client, 'follows_by_follower', 'follower_id', 'followee_id', 'created_at', userId, afterId, limit, (r) => ({
        userId: text(r.get('followee_id')),
        since: timestamp(r.get('created_at')),
      })),
    connections: (userId, afterId, limit) =>
      chunk(
        client,
        'connections',
        'user_id',
        'other_id',
        'state, my_level, updated_at',
        userId,
        afterId,
        limit,
        (r) => ({
          otherId: text(r.get('other_id')),
          state: text(r.get('state')),
          myLevel: levelOf(r.get('my_level')),
          updatedAt: timestamp(r.get('updated_at')),
        }),
      ),
  };
}
