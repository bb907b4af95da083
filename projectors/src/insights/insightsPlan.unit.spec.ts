import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  FollowerChangeBucketSchema,
  PostEngagementBucketSchema,
  TrendingTagResultSchema,
  TrendingWindow,
} from '@verograph/contracts/insights/v1/insights';
import { describe, expect, it } from 'vitest';

import { InvalidEventError } from '../events/projectedEvent.ts';
import { insightKindOf, planInsight, type InsightKind, type InsightWrite } from './insightsPlan.ts';

const now = new Date('2026-12-05T08:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const ts = timestampFromDate;

const trending = (tag: string, uses: bigint, end = at(0), window = TrendingWindow.HOUR) =>
  toBinary(
    TrendingTagResultSchema,
    create(TrendingTagResultSchema, {
      window,
      tag,
      uses,
      authors: 5n,
      windowStart: ts(new Date(end.getTime() - 3_600_000)),
      windowEnd: ts(end),
    }),
  );
const engagement = (postId: string, loves: bigint, start = at(-5)) =>
  toBinary(
    PostEngagementBucketSchema,
    create(PostEngagementBucketSchema, {
      postId,
      authorId: 'ann',
      loves,
      comments: 2n,
      windowStart: ts(start),
      windowEnd: ts(new Date(start.getTime() + 300_000)),
    }),
  );
const followers = (userId: string, gained: bigint) =>
  toBinary(
    FollowerChangeBucketSchema,
    create(FollowerChangeBucketSchema, { userId, gained, lost: 1n, windowStart: ts(at(-60)), windowEnd: ts(at(0)) }),
  );

/** The read model as rows by primary key: what Cassandra's upserts make of the plan. */
function keyOf(row: InsightWrite): string {
  switch (row.kind) {
    case 'trendingTag':
      return `t|${row.window}|${row.windowEnd.toISOString()}|${row.tag}`;
    case 'postEngagement':
      return `p|${row.postId}|${row.windowStart.toISOString()}`;
    case 'followerChanges':
      return `f|${row.userId}|${row.windowStart.toISOString()}`;
  }
}
function project(records: ReadonlyArray<[InsightKind, Uint8Array]>, model = new Map<string, unknown>()) {
  for (const [kind, bytes] of records) {
    const row = planInsight(kind, bytes, now);
    if (!row) continue;
    const { ttlSeconds: _ttl, ...values } = row;
    model.set(keyOf(row), values);
  }
  return model;
}

describe('insights plan', () => {
  const stream: Array<[InsightKind, Uint8Array]> = [
    ['trendingTags', trending('jazz', 7n)],
    ['trendingTags', trending('jazz', 9n, at(1))],
    ['trendingTags', trending('vinyl', 5n, at(1), TrendingWindow.DAY)],
    ['postEngagement', engagement('p1', 3n)],
    ['postEngagement', engagement('p1', 4n, at(-10))],
    ['followerChanges', followers('ann', 2n)],
  ];

  it('writes one row per result and window; a replay of the whole stream changes nothing', () => {
    const once = project(stream);
    expect(once.size).toBe(6);
    const twice = project(stream, project(stream));
    expect(twice).toEqual(once);
  });

  it('a result published again with new values for the same window overwrites its row', () => {
    const model = project([...stream, ['trendingTags', trending('jazz', 11n, at(1))]]);
    expect(model.get(`t|HOUR|${at(1).toISOString()}|jazz`)).toMatchObject({ uses: 11n });
    expect(model.size).toBe(6);
  });

  it('keeps a row until a while after its window ends, and skips a result already past that', () => {
    expect(planInsight('trendingTags', trending('jazz', 7n), now)).toMatchObject({ ttlSeconds: 2 * 3600 });
    expect(planInsight('postEngagement', engagement('p1', 1n), now)).toMatchObject({ ttlSeconds: 25 * 3600 });
    expect(planInsight('trendingTags', trending('jazz', 7n, at(-121)), now)).toBeUndefined();
    expect(planInsight('postEngagement', engagement('p1', 1n, at(-26 * 60)), now)).toBeUndefined();
  });

  it("refuses records that are not their topic's result, or lack their window", () => {
    expect(() => planInsight('trendingTags', new Uint8Array([0xff, 0xff]), now)).toThrow(InvalidEventError);
    const noWindow = toBinary(TrendingTagResultSchema, create(TrendingTagResultSchema, { tag: 'x', uses: 1n }));
    expect(() => planInsight('trendingTags', noWindow, now)).toThrow(/without a window kind/);
    const noPost = toBinary(PostEngagementBucketSchema, create(PostEngagementBucketSchema, { loves: 1n }));
    expect(() => planInsight('postEngagement', noPost, now)).toThrow(/without post or author/);
  });

  it('tells the result a topic carries', () => {
    const topics = { trendingTags: 't', postEngagement: 'p', followerChanges: 'f' };
    expect(insightKindOf(topics, 'p')).toBe('postEngagement');
    expect(insightKindOf(topics, 'posts.events')).toBeUndefined();
  });
});
