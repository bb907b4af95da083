import type cassandra from 'cassandra-driver';

import { pages } from '../cassandra/pages.ts';
import { CONNECTED } from '../cassandra/systemOfRecord.ts';
import type { UserCounts } from './countersPlan.ts';

/** The counters projector's Cassandra edge. */
export interface CountersStore {
  /** Counts a user's followers, followings and connections in the system of record. */
  count(userId: string): Promise<UserCounts>;
  /** Writes absolute counts at a timestamp taken before counting: the latest count wins. */
  write(userId: string, counts: UserCounts, writeTimestamp: bigint): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Counting reads a user's whole partitions: COUNT(*) over follows_by_followee scans every
 * follower of that user. That is fine for the follow counts of nearly everybody, but costs
 * time linear in the followers of a very popular user on every follow of theirs; at that
 * scale the counts would move to a sharded counter table or be recounted on a schedule.
 */
export function createCountersStore(client: cassandra.Client): CountersStore {
  const count = async (query: string, userId: string): Promise<bigint> => {
    const row = (await client.execute(query, [userId])).first();
    return (row?.get('count') as bigint | undefined) ?? 0n;
  };
  return {
    async count(userId) {
      const [followers, followings] = await Promise.all([
        count('SELECT COUNT(*) AS count FROM follows_by_followee WHERE followee_id = ?', userId),
        count('SELECT COUNT(*) AS count FROM follows_by_follower WHERE follower_id = ?', userId),
      ]);
      // state is not part of the key: count CONNECTED rows client-side, a page at a time.
      let connections = 0n;
      for await (const row of pages(client, 'SELECT state FROM connections WHERE user_id = ?', [userId], 1000)) {
        if (row.get('state') === CONNECTED) connections++;
      }
      return { followers, followings, connections };
    },

    async write(userId, counts, at) {
      await client.execute(
        `INSERT INTO user_counts (user_id, follower_count, following_count, connection_count)
         VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
        [userId, counts.followers, counts.followings, counts.connections, at],
      );
    },

    async clear() {
      await client.execute('TRUNCATE user_counts');
    },
  };
}
