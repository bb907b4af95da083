import type { EngagementRow, FollowerChangeRow, TrendingTagRow } from './insightsStore.ts';

/** How far back Post.insights looks: the last 24 hours. */
export const POST_INSIGHTS_SPAN_MS = 24 * 3600_000;
/** How far back User.insights looks: the last 7 days. */
export const USER_INSIGHTS_SPAN_MS = 7 * 24 * 3600_000;

/** The most tags trendingTags answers at once. */
export const MAX_TRENDING = 100;

/**
 * The fewest distinct authors a listed tag must have. The job publishes no tag below it; the
 * subgraph holds to it too, so a job misconfigured with a lower threshold still cannot point
 * at the one or two people behind a tag.
 */
export const MIN_TRENDING_AUTHORS = 5;

/** Most used first; ties by more authors, then by tag, so the order is stable between requests. */
export function rankTrending(rows: readonly TrendingTagRow[], first: number): TrendingTagRow[] {
  return rows
    .filter((row) => row.authors >= MIN_TRENDING_AUTHORS)
    .sort((a, b) => b.uses - a.uses || b.authors - a.authors || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
    .slice(0, first);
}

/**
 * Whether the viewer may see an owner's insights: only the owner, signed in. Anyone else gets
 * null with no error, the same answer as for a post or user that has none: nothing says why.
 */
export function mayReadInsights(viewerId: string | undefined, ownerId: string | undefined): boolean {
  return viewerId !== undefined && ownerId !== undefined && viewerId === ownerId;
}

export interface PostInsights {
  readonly loves: number;
  readonly comments: number;
  readonly buckets: readonly EngagementRow[];
}

export function postInsightsOf(buckets: readonly EngagementRow[]): PostInsights {
  const newestFirst = [...buckets].sort((a, b) => b.start.getTime() - a.start.getTime());
  return {
    loves: newestFirst.reduce((sum, b) => sum + b.loves, 0),
    comments: newestFirst.reduce((sum, b) => sum + b.comments, 0),
    buckets: newestFirst,
  };
}

export interface UserInsights {
  readonly followersGained: number;
  readonly followersLost: number;
  readonly hours: readonly FollowerChangeRow[];
}

export function userInsightsOf(hours: readonly FollowerChangeRow[]): UserInsights {
  const newestFirst = [...hours].sort((a, b) => b.start.getTime() - a.start.getTime());
  return {
    followersGained: newestFirst.reduce((sum, h) => sum + h.gained, 0),
    followersLost: newestFirst.reduce((sum, h) => sum + h.lost, 0),
    hours: newestFirst,
  };
}
