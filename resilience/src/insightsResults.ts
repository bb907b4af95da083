import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import {
  FollowerChangeBucketSchema,
  PostEngagementBucketSchema,
  ThrottledAction,
  ThrottleSchema,
  TrendingTagResultSchema,
  TrendingWindow,
} from '@verograph/contracts/insights/v1/insights';
import { createKafka, topics } from '@verograph/messaging';

import { bucketKey, type Results, trendingKey } from './insightsStream.ts';

const ms = (t: { seconds: bigint } | undefined) => Number(t?.seconds ?? 0n) * 1000;

/**
 * Reads the four insights.* topics from their beginning, read committed (kafkajs's default), as a
 * downstream consumer would: results keyed by their key and window, the latest record winning.
 * `records` counts every record read per topic and `duplicates` the ones whose key and window
 * were already seen: exactly once, the windowed topics have none (the flood guard repeats a
 * minute's throttle at each step by design). A record read again at the same offset (the
 * reader's own consumer restarted: on a fresh Kafka its group coordinator may still be loading,
 * and kafkajs restarts the consumer from its last commit) is the same publication, not a second.
 */
export interface InsightsReader {
  readonly results: { trending: Results; engagement: Results; followers: Results; throttles: Results };
  readonly records: Record<'trending' | 'engagement' | 'followers' | 'throttles', number>;
  readonly duplicates: string[];
  stop(): Promise<void>;
}

export async function readInsights(brokers: readonly string[]): Promise<InsightsReader> {
  const kafka = createKafka(`insights-reader-${randomUUID().slice(0, 8)}`, brokers);
  const consumer = kafka.consumer({ groupId: `insights-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const results = { trending: new Map(), engagement: new Map(), followers: new Map(), throttles: new Map() };
  const records = { trending: 0, engagement: 0, followers: 0, throttles: 0 };
  const duplicates: string[] = [];
  const offsets = new Set<string>();
  const keep = (name: keyof typeof results, key: string, value: string, unique: boolean) => {
    records[name] += 1;
    if (unique && results[name].has(key)) duplicates.push(`${name} ${key}: ${results[name].get(key)} then ${value}`);
    results[name].set(key, value);
  };
  await consumer.connect();
  await consumer.subscribe({
    topics: [
      topics.insightsTrendingTags,
      topics.insightsPostEngagement,
      topics.insightsFollowerChanges,
      topics.insightsThrottles,
    ],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      if (!message.value) return;
      const at = `${topic}:${partition}:${message.offset}`;
      if (offsets.has(at)) return;
      offsets.add(at);
      if (topic === topics.insightsTrendingTags) {
        const r = fromBinary(TrendingTagResultSchema, message.value);
        const window = r.window === TrendingWindow.HOUR ? 'HOUR' : 'DAY';
        const key = trendingKey(window, r.tag, ms(r.windowStart), ms(r.windowEnd));
        keep('trending', key, `uses=${r.uses} authors=${r.authors}`, true);
      } else if (topic === topics.insightsPostEngagement) {
        const r = fromBinary(PostEngagementBucketSchema, message.value);
        const key = bucketKey(r.postId, ms(r.windowStart), ms(r.windowEnd));
        keep('engagement', key, `author=${r.authorId} loves=${r.loves} comments=${r.comments}`, true);
      } else if (topic === topics.insightsFollowerChanges) {
        const r = fromBinary(FollowerChangeBucketSchema, message.value);
        const key = bucketKey(r.userId, ms(r.windowStart), ms(r.windowEnd));
        keep('followers', key, `gained=${r.gained} lost=${r.lost}`, true);
      } else if (topic === topics.insightsThrottles) {
        const r = fromBinary(ThrottleSchema, message.value);
        keep(
          'throttles',
          `${r.userId}:${ThrottledAction[r.action]}@${ms(r.until)}`,
          `attempts=${r.attempts} limit=${r.limit}`,
          false,
        );
      }
    },
  });
  return { results, records, duplicates, stop: () => consumer.disconnect() };
}
