import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  FollowerChangeBucketSchema,
  PostEngagementBucketSchema,
  TrendingTagResultSchema,
  TrendingWindow,
} from '@verograph/contracts/insights/v1/insights';
import { createKafka, runConsumer } from '@verograph/messaging';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { replayIntoReadModel } from '../rebuild/rebuildReadModel.ts';
import { freshKeyspace, run, silentLogger, testGroup, until, type TestKeyspace } from '../testing/engines.ts';
import type { InsightTopics } from './insightsPlan.ts';
import { insightsRecordHandler, insightsReplay } from './insightsProjector.ts';
import { createInsightsStore } from './insightsStore.ts';

/**
 * `npm run rebuild -- insights` on the real engines: results the job published (in committed
 * transactions, one of them aborted, one result twice, one past its time) are projected live;
 * the read model is then damaged, and the rebuild from the result topics gives back exactly the
 * live read model, row for row, from a group of its own that it deletes afterwards.
 */
const MINUTE = 60_000;
const topics: InsightTopics = {
  trendingTags: `test.insights.rebuild.trending.${run}`,
  postEngagement: `test.insights.rebuild.engagement.${run}`,
  followerChanges: `test.insights.rebuild.followers.${run}`,
};
const deadLetter = `test.insights.rebuild.deadletter.${run}`;
let ks: TestKeyspace;
let kafka: Kafka;

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;
const end = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
const window = (endMs: number, minutes: number) => ({
  windowStart: timestampFromMs(endMs - minutes * MINUTE),
  windowEnd: timestampFromMs(endMs),
});
const trending = (kind: TrendingWindow, endMs: number, tag: string, uses: number) => ({
  topic: topics.trendingTags,
  key: `${kind === TrendingWindow.HOUR ? 'HOUR' : 'DAY'}:${tag}`,
  value: toBinary(
    TrendingTagResultSchema,
    create(TrendingTagResultSchema, {
      window: kind,
      tag,
      uses: BigInt(uses),
      authors: 5n,
      ...window(endMs, kind === TrendingWindow.HOUR ? 60 : 1440),
    }),
  ),
});
const post = id('post');
const author = id('author');
const user = id('user');
const engagement = (endMs: number, loves: number, comments: number) => ({
  topic: topics.postEngagement,
  key: post,
  value: toBinary(
    PostEngagementBucketSchema,
    create(PostEngagementBucketSchema, {
      postId: post,
      authorId: author,
      loves: BigInt(loves),
      comments: BigInt(comments),
      ...window(endMs, 5),
    }),
  ),
});
const followers = (endMs: number, gained: number, lost: number) => ({
  topic: topics.followerChanges,
  key: user,
  value: toBinary(
    FollowerChangeBucketSchema,
    create(FollowerChangeBucketSchema, {
      userId: user,
      gained: BigInt(gained),
      lost: BigInt(lost),
      ...window(endMs, 60),
    }),
  ),
});

type Result = ReturnType<typeof trending>;
const committed: Result[][] = [
  [
    trending(TrendingWindow.HOUR, end - MINUTE, 'vinyl', 7),
    trending(TrendingWindow.HOUR, end - MINUTE, 'film', 6),
    trending(TrendingWindow.DAY, end - 60 * MINUTE, 'vinyl', 40),
    engagement(end - 5 * MINUTE, 3, 1),
    followers(end - 60 * MINUTE, 4, 1),
  ],
  [
    trending(TrendingWindow.HOUR, end, 'vinyl', 8),
    trending(TrendingWindow.HOUR, end, 'tea', 5),
    engagement(end, 2, 0),
    // Past the 25 hours the read model keeps engagement: skipped, live and rebuilt alike.
    engagement(end - 3 * 24 * 60 * MINUTE, 9, 9),
  ],
  // The job published this window's result again across a restart: the same row.
  [trending(TrendingWindow.HOUR, end, 'tea', 5)],
];
const aborted: Result[] = [trending(TrendingWindow.HOUR, end + MINUTE, 'ghost', 99), engagement(end, 50, 50)];
const records = committed.flat().length;

async function publish(results: readonly Result[], commit: boolean): Promise<void> {
  const producer = kafka.producer({
    transactionalId: `test-insights-rebuild-${run}-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    for (const r of results) {
      await transaction.send({ topic: r.topic, messages: [{ key: r.key, value: Buffer.from(r.value) }] });
    }
    await (commit ? transaction.commit() : transaction.abort());
  } finally {
    await producer.disconnect();
  }
}

async function readModel() {
  const rows = async (table: string) =>
    (await ks.client.execute(`SELECT * FROM ${table}`)).rows
      .map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
      .sort();
  return {
    tags: await rows('insight_trending_tags'),
    windows: await rows('insight_trending_windows'),
    engagement: await rows('insight_post_engagement'),
    followers: await rows('insight_follower_changes'),
  };
}

beforeAll(async () => {
  ks = await freshKeyspace('insights_rebuild');
  kafka = createKafka(`insights-rebuild-${run}`, [`127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`]);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [...Object.values(topics), deadLetter].map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  await publish(committed[0]!, true);
  await publish(aborted, false);
  await publish(committed[1]!, true);
  await publish(committed[2]!, true);
}, 120_000);

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...Object.values(topics), deadLetter] }).catch(() => undefined);
  await admin.disconnect();
  await ks?.drop();
});

describe('npm run rebuild -- insights', () => {
  it('rebuilds the insights read model from the result topics, as projected live', async () => {
    let handled = 0;
    const live = insightsRecordHandler({
      store: createInsightsStore(ks.client),
      topics,
      clock: () => new Date(),
      logger: silentLogger,
    });
    const consumer = await runConsumer({
      kafka,
      groupId: testGroup('insights-live'),
      topics: Object.values(topics),
      handle: async (record) => {
        const outcome = await live(record);
        handled++;
        return outcome;
      },
      logger: silentLogger,
      metrics: new Registry(),
      deadLetterTopic: deadLetter,
      fromBeginning: true,
      lagRefreshMs: 0,
    });
    try {
      await until(
        `the live projector to handle ${records} results`,
        () => (handled >= records ? true : undefined),
        60_000,
      );
    } finally {
      await consumer.stop();
    }
    const projected = await readModel();
    expect(projected.tags).toHaveLength(5);
    expect(projected.engagement).toHaveLength(2);
    expect(projected.tags.some((row) => row.includes('ghost'))).toBe(false);

    // The read model goes wrong: a row lost, a row that no result ever said.
    await ks.client.execute('DELETE FROM insight_post_engagement WHERE post_id = ?', [post], { prepare: true });
    await ks.client.execute(
      "INSERT INTO insight_trending_tags (window_kind, window_end, tag, uses, authors) VALUES ('HOUR', ?, 'stale', 1, 5)",
      [new Date(end)],
      { prepare: true },
    );
    expect(await readModel()).not.toEqual(projected);

    const liveGroupId = testGroup('insights');
    const report = await replayIntoReadModel(
      insightsReplay({ cassandra: ks.client, topics, liveGroupId, logger: silentLogger }),
      {
        kafka,
        logger: silentLogger,
        deadLetterTopic: deadLetter,
      },
    );
    expect(report.records).toBe(records);
    expect(report.groupId.startsWith(`${liveGroupId}.rebuild.`)).toBe(true);
    expect(await readModel()).toEqual(projected);

    const admin = kafka.admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    await admin.disconnect();
    expect(groups).not.toContain(report.groupId);
  }, 180_000);
});
