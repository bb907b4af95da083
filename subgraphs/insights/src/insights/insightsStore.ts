import type { CqlClient } from '@verograph/subgraph-kit';
import { longToNumber, text } from '@verograph/subgraph-kit';

export type TrendingWindowKind = 'HOUR' | 'DAY';

export interface TrendingTagRow {
  readonly tag: string;
  readonly uses: number;
  readonly authors: number;
}

export interface EngagementRow {
  readonly start: Date;
  readonly end: Date;
  readonly loves: number;
  readonly comments: number;
}

export interface FollowerChangeRow {
  readonly start: Date;
  readonly end: Date;
  readonly gained: number;
  readonly lost: number;
}

/** The insights read model (migrations/cassandra/0043_insights.cql), read only. */
export interface InsightsStore {
  /** Every tag of the newest window of a kind; empty before the first one. */
  newestTrendingTags(window: TrendingWindowKind): Promise<TrendingTagRow[]>;
  /** Who wrote each post that exists and is not deleted. */
  postAuthors(postIds: readonly string[]): Promise<Map<string, string>>;
  /** A post's 5-minute buckets that start at or after `since`, newest first. */
  postEngagement(postId: string, since: Date): Promise<EngagementRow[]>;
  /** A user's hourly follower changes that start at or after `since`, newest first. */
  followerChanges(userId: string, since: Date): Promise<FollowerChangeRow[]>;
}

/** Counts are int64 in the job and bigint in Cassandra; GraphQL's Int is 32-bit, so they are capped. */
const count = (value: unknown): number => Math.min(longToNumber(value), 2_147_483_647);
const time = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

export function createInsightsStore(client: CqlClient): InsightsStore {
  return {
    async newestTrendingTags(window) {
      const newest = (
        await client.execute('SELECT window_end FROM insight_trending_windows WHERE window_kind = ?', [window], {
          prepare: true,
        })
      ).first();
      const end: unknown = newest?.get('window_end');
      if (!(end instanceof Date)) return [];
      const rows = await client.execute(
        'SELECT tag, uses, authors FROM insight_trending_tags WHERE window_kind = ? AND window_end = ?',
        [window, end],
        { prepare: true },
      );
      return rows.rows.map((row) => ({
        tag: text(row.get('tag')),
        uses: count(row.get('uses')),
        authors: count(row.get('authors')),
      }));
    },

    async postAuthors(postIds) {
      if (postIds.length === 0) return new Map();
      const rows = await client.execute('SELECT id, author_id, deleted FROM posts WHERE id IN ?', [postIds], {
        prepare: true,
      });
      return new Map(
        rows.rows
          .filter((row) => row.get('deleted') !== true)
          .map((row) => [text(row.get('id')), text(row.get('author_id'))] as const),
      );
    },

    async postEngagement(postId, since) {
      const rows = await client.execute(
        'SELECT window_start, window_end, loves, comments FROM insight_post_engagement WHERE post_id = ? AND window_start >= ?',
        [postId, since],
        { prepare: true },
      );
      return rows.rows.map((row) => ({
        start: time(row.get('window_start')),
        end: time(row.get('window_end')),
        loves: count(row.get('loves')),
        comments: count(row.get('comments')),
      }));
    },

    async followerChanges(userId, since) {
      const rows = await client.execute(
        'SELECT window_start, window_end, gained, lost FROM insight_follower_changes WHERE user_id = ? AND window_start >= ?',
        [userId, since],
        { prepare: true },
      );
      return rows.rows.map((row) => ({
        start: time(row.get('window_start')),
        end: time(row.get('window_end')),
        gained: count(row.get('gained')),
        lost: count(row.get('lost')),
      }));
    },
  };
}
