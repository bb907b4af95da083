import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  FollowerChangeBucketSchema,
  PostEngagementBucketSchema,
  TrendingTagResultSchema,
  TrendingWindow,
} from '@verograph/contracts/insights/v1/insights';

import { InvalidEventError } from '../events/projectedEvent.ts';

/** The three results of the insights job that the read model keeps. */
export type InsightKind = 'trendingTags' | 'postEngagement' | 'followerChanges';

/** Which Kafka topic carries each result (the real names in production, unique ones in tests). */
export type InsightTopics = Readonly<Record<InsightKind, string>>;

export type TrendingWindowKind = 'HOUR' | 'DAY';

/**
 * One row to upsert. Every row is keyed by its window, so writing it again (a replay of the
 * topic, a result the job published twice across a restart) leaves the same row.
 */
export type InsightWrite =
  | {
      readonly kind: 'trendingTag';
      readonly window: TrendingWindowKind;
      readonly windowStart: Date;
      readonly windowEnd: Date;
      readonly tag: string;
      readonly uses: bigint;
      readonly authors: bigint;
      readonly ttlSeconds: number;
    }
  | {
      readonly kind: 'postEngagement';
      readonly postId: string;
      readonly authorId: string;
      readonly windowStart: Date;
      readonly windowEnd: Date;
      readonly loves: bigint;
      readonly comments: bigint;
      readonly ttlSeconds: number;
    }
  | {
      readonly kind: 'followerChanges';
      readonly userId: string;
      readonly windowStart: Date;
      readonly windowEnd: Date;
      readonly gained: bigint;
      readonly lost: bigint;
      readonly ttlSeconds: number;
    };

const HOUR_S = 3600;

/**
 * How long after its window's end a row is kept: the subgraph serves the newest trending
 * window, post engagement over the last 24 hours and follower changes over the last 7 days.
 * A little more than that, so a row never expires while it may still be asked for.
 */
export const keepAfterWindowEnd = {
  HOUR: 2 * HOUR_S,
  DAY: 48 * HOUR_S,
  postEngagement: 25 * HOUR_S,
  followerChanges: 8 * 24 * HOUR_S,
} as const;

/** The kind of result a topic carries, or undefined for a topic this projector was not told about. */
export function insightKindOf(topics: InsightTopics, topic: string): InsightKind | undefined {
  return (Object.keys(topics) as InsightKind[]).find((kind) => topics[kind] === topic);
}

/**
 * What to write for one result record (pure: the clock is passed in). Undefined when the
 * result is past the time it would be served (a replay of an old topic): nothing to write.
 * A record that is not the topic's message, or lacks its window, throws InvalidEventError,
 * which the adapter dead-letters.
 */
export function planInsight(kind: InsightKind, bytes: Uint8Array, now: Date): InsightWrite | undefined {
  switch (kind) {
    case 'trendingTags': {
      const r = decode(() => fromBinary(TrendingTagResultSchema, bytes), kind);
      const window = r.window === TrendingWindow.HOUR ? 'HOUR' : r.window === TrendingWindow.DAY ? 'DAY' : undefined;
      if (!window) throw new InvalidEventError('a trending tag result without a window kind');
      if (!r.tag) throw new InvalidEventError('a trending tag result without a tag');
      const { windowStart, windowEnd } = windowOf(r.windowStart, r.windowEnd, kind);
      const ttlSeconds = ttl(windowEnd, keepAfterWindowEnd[window], now);
      if (ttlSeconds === undefined) return undefined;
      return {
        kind: 'trendingTag',
        window,
        windowStart,
        windowEnd,
        tag: r.tag,
        uses: r.uses,
        authors: r.authors,
        ttlSeconds,
      };
    }
    case 'postEngagement': {
      const r = decode(() => fromBinary(PostEngagementBucketSchema, bytes), kind);
      if (!r.postId || !r.authorId) throw new InvalidEventError('a post engagement bucket without post or author');
      const { windowStart, windowEnd } = windowOf(r.windowStart, r.windowEnd, kind);
      const ttlSeconds = ttl(windowEnd, keepAfterWindowEnd.postEngagement, now);
      if (ttlSeconds === undefined) return undefined;
      return {
        kind: 'postEngagement',
        postId: r.postId,
        authorId: r.authorId,
        windowStart,
        windowEnd,
        loves: r.loves,
        comments: r.comments,
        ttlSeconds,
      };
    }
    case 'followerChanges': {
      const r = decode(() => fromBinary(FollowerChangeBucketSchema, bytes), kind);
      if (!r.userId) throw new InvalidEventError('a follower change bucket without a user');
      const { windowStart, windowEnd } = windowOf(r.windowStart, r.windowEnd, kind);
      const ttlSeconds = ttl(windowEnd, keepAfterWindowEnd.followerChanges, now);
      if (ttlSeconds === undefined) return undefined;
      return {
        kind: 'followerChanges',
        userId: r.userId,
        windowStart,
        windowEnd,
        gained: r.gained,
        lost: r.lost,
        ttlSeconds,
      };
    }
  }
}

function decode<T>(read: () => T, kind: InsightKind): T {
  try {
    return read();
  } catch (cause) {
    throw new InvalidEventError(`a ${kind} result could not be decoded: ${(cause as Error).message}`, { cause });
  }
}

function windowOf(start: Timestamp | undefined, end: Timestamp | undefined, kind: InsightKind) {
  if (!start || !end) throw new InvalidEventError(`a ${kind} result without its window`);
  const windowStart = new Date(timestampMs(start));
  const windowEnd = new Date(timestampMs(end));
  if (windowEnd <= windowStart) throw new InvalidEventError(`a ${kind} result whose window ends before it starts`);
  return { windowStart, windowEnd };
}

/** Seconds the row lives from now: until `keep` after the window's end; undefined once that has passed. */
function ttl(windowEnd: Date, keepSeconds: number, now: Date): number | undefined {
  const seconds = Math.floor((windowEnd.getTime() + keepSeconds * 1000 - now.getTime()) / 1000);
  return seconds > 0 ? seconds : undefined;
}
