import type cassandra from 'cassandra-driver';

import type { InsightWrite } from './insightsPlan.ts';

/** The insights projector's Cassandra edge: plain upserts, idempotent by their keys. */
export interface InsightsStore {
  write(row: InsightWrite): Promise<void>;
  /** Empties the read model, for a rebuild from the result topics. */
  clear(): Promise<void>;
}

const TABLES = [
  'insight_trending_tags',
  'insight_trending_windows',
  'insight_post_engagement',
  'insight_follower_changes',
] as const;

export function createInsightsStore(client: cassandra.Client): InsightsStore {
  return {
    async clear() {
      for (const table of TABLES) await client.execute(`TRUNCATE ${table}`);
    },
    async write(row) {
      switch (row.kind) {
        case 'trendingTag':
          await client.execute(
            `INSERT INTO insight_trending_tags (window_kind, window_end, tag, window_start, uses, authors)
             VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
            [row.window, row.windowEnd, row.tag, row.windowStart, row.uses, row.authors, row.ttlSeconds],
            { prepare: true },
          );
          // Written at the window's end as its timestamp (microseconds): the newest window wins
          // whatever order the partitions' results arrive in, and a replay cannot move it back.
          await client.execute(
            'INSERT INTO insight_trending_windows (window_kind, window_end) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?',
            [row.window, row.windowEnd, row.ttlSeconds, BigInt(row.windowEnd.getTime()) * 1000n],
            { prepare: true },
          );
          return;
        case 'postEngagement':
          await client.execute(
            `INSERT INTO insight_post_engagement (post_id, window_start, window_end, author_id, loves, comments)
             VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
            [row.postId, row.windowStart, row.windowEnd, row.authorId, row.loves, row.comments, row.ttlSeconds],
            { prepare: true },
          );
          return;
        case 'followerChanges':
          await client.execute(
            `INSERT INTO insight_follower_changes (user_id, window_start, window_end, gained, lost)
             VALUES (?, ?, ?, ?, ?) USING TTL ?`,
            [row.userId, row.windowStart, row.windowEnd, row.gained, row.lost, row.ttlSeconds],
            { prepare: true },
          );
          return;
      }
    },
  };
}
