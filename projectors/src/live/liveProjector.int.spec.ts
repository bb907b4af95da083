import { randomUUID } from 'node:crypto';

import { EngagementUpdateSchema } from '@verograph/contracts/live/v1/updates';
import { createProducer, type MessageProducer } from '@verograph/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { quietContext } from '../consumer/projector.ts';
import { eventId } from '../events/projectedEvent.ts';
import { freshKeyspace, freshTopics, silentLogger, type TestKeyspace, type TestTopics } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { readPublished } from '../testing/readPublished.ts';
import { systemOfRecord } from '../testing/systemOfRecord.ts';
import { createPostCountsReader, handleLiveEvent, type LiveDeps } from './liveProjector.ts';

let ks: TestKeyspace;
let topics: TestTopics;
let producer: MessageProducer;
let deps: LiveDeps;

beforeAll(async () => {
  [ks, topics] = await Promise.all([freshKeyspace('live'), freshTopics('live')]);
  producer = await createProducer(topics.kafka);
  deps = { postCounts: createPostCountsReader(ks.client), producer, topic: topics.engagementUpdates };
});
afterAll(async () => {
  await producer?.disconnect();
  await topics?.drop();
  await ks?.drop();
});

describe('live engagement updates', () => {
  it('publishes the absolute counts of each love, unlove and comment, keyed by post', async () => {
    const post = { postId: randomUUID(), authorId: 'a', audience: 'FOLLOWERS' as const, createdAt: new Date() };
    await systemOfRecord(ks.client).post(post);
    await systemOfRecord(ks.client).setEngagement(post.postId, 2, 1, 'c1');
    const stream = [
      events.postLoved(post.postId, 'u1', 3),
      events.commentAdded(post.postId, 'c2', 'u2', 2),
      events.postUnloved(post.postId, 'u1', 2),
    ];
    for (const e of stream)
      expect(await handleLiveEvent(e, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });

    const seen = await readPublished(
      topics.kafka,
      topics.engagementUpdates,
      EngagementUpdateSchema,
      3,
      'three engagement updates',
    );
    // One post, one key, one partition: in order.
    expect(seen.map((s) => s.key)).toEqual([post.postId, post.postId, post.postId]);
    expect(seen.map(({ update: u }) => [u.loveCount, u.commentCount, u.latestCommentId, u.eventId])).toEqual([
      [3n, 1n, 'c1', eventId(stream[0]!)],
      [2n, 2n, 'c2', eventId(stream[1]!)],
      [2n, 1n, 'c1', eventId(stream[2]!)],
    ]);
  });
});
