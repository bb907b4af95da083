import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  FollowerChangeBucketSchema,
  PostEngagementBucketSchema,
  TrendingTagResultSchema,
  TrendingWindow,
} from '@verograph/contracts/insights/v1/insights';
import { codesOf } from '@verograph/gateway/testing';
import { until } from '@verograph/stack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startInsightsWorld, type InsightsWorld } from '../testing/insightsWorld.ts';

/**
 * Issue 16 as a client meets it: result records published by hand, as the insights job
 * publishes them (in a transaction), read by the insights projector into a keyspace of this
 * run, served by the insights subgraph through the real gateway beside the users and posts subgraphs.
 */
let world: InsightsWorld;
let author: string;
let stranger: string;
/** Follows the author: sees the posts, not their insights. */
let follower: string;
let postId: string;

const now = Date.now();
const minutesAgo = (m: number) => new Date(now - m * 60_000);
const ts = timestampFromDate;
const ask = (...args: Parameters<InsightsWorld['ask']>) => world.ask(...args);
const publishInTransaction = (...args: Parameters<InsightsWorld['publish']>) => world.publish(...args);

beforeAll(async () => {
  world = await startInsightsWorld();
  author = await world.fx.user();
  stranger = await world.fx.user();
  follower = await world.fx.user();
  await world.fx.follow(follower, author);
  postId = (await world.fx.post({ authorId: author, audience: 'FOLLOWERS', caption: 'How is it doing?' })).id;
}, 90_000);

afterAll(async () => {
  await world?.stop();
});

const TRENDING =
  'query($w: TrendingWindow!, $first: Int) { trendingTags(window: $w, first: $first) { tag uses authors } }';
const POST_INSIGHTS =
  'query($id: ID!) { post(id: $id) { id insights { loves comments buckets { start end loves comments } } } }';
const MY_INSIGHTS = '{ me { id insights { followersGained followersLost hours { start gained lost } } } }';

describe('insights through the gateway', () => {
  it('answers the newest window of trending tags, most used first, to any signed-in viewer', async () => {
    const trending = (tag: string, uses: number, end: Date, window = TrendingWindow.HOUR) => ({
      topic: world.topics.trendingTags,
      key: `${window}:${tag}`,
      value: toBinary(
        TrendingTagResultSchema,
        create(TrendingTagResultSchema, {
          window,
          tag,
          uses: BigInt(uses),
          authors: 5n,
          windowStart: ts(new Date(end.getTime() - 3_600_000)),
          windowEnd: ts(end),
        }),
      ),
    });
    await publishInTransaction([
      trending('older', 99, minutesAgo(2)),
      trending('jazz', 7, minutesAgo(1)),
      trending('vinyl', 12, minutesAgo(1)),
      trending('bebop', 6, minutesAgo(1)),
      trending('daily', 40, minutesAgo(1), TrendingWindow.DAY),
    ]);
    const hour = await until('the newest hour of trending tags', async () => {
      const r = await ask(stranger, TRENDING, { w: 'HOUR' });
      const tags = (r.body.data as { trendingTags: Array<{ tag: string }> } | null)?.trendingTags ?? [];
      return tags.length === 3 ? r : undefined;
    });
    expect(hour.body).toEqual({
      data: {
        trendingTags: [
          { tag: 'vinyl', uses: 12, authors: 5 },
          { tag: 'jazz', uses: 7, authors: 5 },
          { tag: 'bebop', uses: 6, authors: 5 },
        ],
      },
    });
    expect((await ask(stranger, TRENDING, { w: 'HOUR', first: 1 })).body.data).toEqual({
      trendingTags: [{ tag: 'vinyl', uses: 12, authors: 5 }],
    });
    expect((await ask(author, TRENDING, { w: 'DAY' })).body.data).toEqual({
      trendingTags: [{ tag: 'daily', uses: 40, authors: 5 }],
    });
  });

  it('refuses trending tags to an anonymous client with UNAUTHENTICATED', async () => {
    const anonymous = await ask(undefined, TRENDING, { w: 'HOUR' });
    expect(codesOf(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it("gives a post's engagement buckets to its author, and null without a word to anyone else", async () => {
    const bucket = (loves: number, comments: number, start: Date) => ({
      topic: world.topics.postEngagement,
      key: postId,
      value: toBinary(
        PostEngagementBucketSchema,
        create(PostEngagementBucketSchema, {
          postId,
          authorId: author,
          loves: BigInt(loves),
          comments: BigInt(comments),
          windowStart: ts(start),
          windowEnd: ts(new Date(start.getTime() + 300_000)),
        }),
      ),
    });
    // The last one is older than 24 hours: not part of the answer.
    await publishInTransaction([
      bucket(3, 1, minutesAgo(10)),
      bucket(2, 4, minutesAgo(5)),
      bucket(9, 9, minutesAgo(24 * 60 + 30)),
    ]);
    const mine = await until('the author sees the buckets', async () => {
      const r = await ask(author, POST_INSIGHTS, { id: postId });
      const buckets = (r.body.data as { post: { insights: { buckets: unknown[] } | null } } | null)?.post.insights
        ?.buckets;
      return buckets?.length === 2 ? r : undefined;
    });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data).toEqual({
      post: {
        id: postId,
        insights: {
          loves: 5,
          comments: 5,
          buckets: [
            { start: minutesAgo(5).toISOString(), end: minutesAgo(0).toISOString(), loves: 2, comments: 4 },
            { start: minutesAgo(10).toISOString(), end: minutesAgo(5).toISOString(), loves: 3, comments: 1 },
          ],
        },
      },
    });

    // Another viewer who may see the post: the same answer as a post without insights, no error.
    const theirs = await ask(follower, POST_INSIGHTS, { id: postId });
    expect(theirs.body).toEqual({ data: { post: { id: postId, insights: null } } });
    // One who may not see the post learns nothing either: the post itself is null, as if missing.
    expect((await ask(stranger, POST_INSIGHTS, { id: postId })).body).toEqual({ data: { post: null } });
  });

  it("gives an author an empty answer for a post with no buckets yet, which nobody else can tell from a stranger's", async () => {
    const quiet = (await world.fx.post({ authorId: author, audience: 'FOLLOWERS' })).id;
    expect((await ask(author, POST_INSIGHTS, { id: quiet })).body).toEqual({
      data: { post: { id: quiet, insights: { loves: 0, comments: 0, buckets: [] } } },
    });
    expect((await ask(follower, POST_INSIGHTS, { id: quiet })).body).toEqual({
      data: { post: { id: quiet, insights: null } },
    });
  });

  it("gives a user's follower changes to that user only", async () => {
    const hour = (userId: string, gained: number, lost: number, start: Date) => ({
      topic: world.topics.followerChanges,
      key: userId,
      value: toBinary(
        FollowerChangeBucketSchema,
        create(FollowerChangeBucketSchema, {
          userId,
          gained: BigInt(gained),
          lost: BigInt(lost),
          windowStart: ts(start),
          windowEnd: ts(new Date(start.getTime() + 3_600_000)),
        }),
      ),
    });
    await publishInTransaction([hour(author, 4, 1, minutesAgo(120)), hour(author, 2, 0, minutesAgo(60))]);
    const mine = await until('the user sees their follower changes', async () => {
      const r = await ask(author, MY_INSIGHTS);
      const hours = (r.body.data as { me: { insights: { hours: unknown[] } | null } } | null)?.me.insights?.hours;
      return hours?.length === 2 ? r : undefined;
    });
    expect(mine.body.data).toEqual({
      me: {
        id: author,
        insights: {
          followersGained: 6,
          followersLost: 1,
          hours: [
            { start: minutesAgo(60).toISOString(), gained: 2, lost: 0 },
            { start: minutesAgo(120).toISOString(), gained: 4, lost: 1 },
          ],
        },
      },
    });

    // The job republishes after a restart from its checkpoint: the same windows again, then a
    // new one behind them on the same key (so, in order). Nothing is counted twice.
    await publishInTransaction([
      hour(author, 4, 1, minutesAgo(120)),
      hour(author, 2, 0, minutesAgo(60)),
      hour(author, 1, 1, minutesAgo(30)),
    ]);
    const replayed = await until('the hour after the replay', async () => {
      const r = await ask(author, MY_INSIGHTS);
      const hours = (r.body.data as { me: { insights: { hours: unknown[] } | null } } | null)?.me.insights?.hours;
      return hours?.length === 3 ? r : undefined;
    });
    expect(replayed.body.data).toMatchObject({ me: { insights: { followersGained: 7, followersLost: 2 } } });

    const theirs = await ask(stranger, 'query($id: ID!) { user(id: $id) { id insights { followersGained } } }', {
      id: author,
    });
    expect(theirs.body).toEqual({ data: { user: { id: author, insights: null } } });
  });
});
