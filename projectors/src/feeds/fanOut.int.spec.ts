import { randomUUID } from 'node:crypto';

import cassandra from 'cassandra-driver';
import { createProducer, type MessageProducer } from '@verograph/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWriteClock } from '../cassandra/writeClock.ts';
import { quietContext } from '../consumer/projector.ts';
import { freshKeyspace, freshTopics, silentLogger, type TestKeyspace, type TestTopics } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { systemOfRecord } from '../testing/systemOfRecord.ts';
import { createFeedStore } from './feedStore.ts';
import { createFeedUpdatesPublisher, discardFeedUpdates, type FeedUpdatesSink } from './feedUpdates.ts';
import { defaultFeedsSettings, handleFeedEvent } from './feedsProjector.ts';

/**
 * One PostCreated to an author with 10,000 followers reaches every one of them, exactly once,
 * through the batched writes and paged follower reads. How long it takes is measured by
 * `npm run bench -- fanout`, not asserted here.
 */
const FOLLOWERS = 10_000;

let ks: TestKeyspace;
let topics: TestTopics;
let producer: MessageProducer;

beforeAll(async () => {
  ks = await freshKeyspace('fanout');
  topics = await freshTopics('fanout');
  producer = await createProducer(topics.kafka);
});
afterAll(async () => {
  await producer?.disconnect();
  await topics?.drop();
  await ks?.drop();
});

async function authorWithFollowers(): Promise<string> {
  const author = `star-${randomUUID().slice(0, 8)}`;
  const params = Array.from({ length: FOLLOWERS }, (_, i) => [author, `${author}-fan-${i}`, new Date()]);
  await cassandra.concurrent.executeConcurrent(
    ks.client,
    'INSERT INTO follows_by_followee (followee_id, follower_id, created_at) VALUES (?, ?, ?)',
    params,
    { concurrencyLevel: 128 },
  );
  return author;
}

/** Fans out posts of one author with 10,000 followers; every run must write exactly 10,000 rows. */
async function fanOutTwice(updates: FeedUpdatesSink): Promise<void> {
  const author = await authorWithFollowers();
  const deps = {
    store: createFeedStore(ks.client),
    updates,
    clock: createWriteClock(),
    settings: defaultFeedsSettings,
  };
  for (let run = 0; run < 2; run++) {
    const post = { postId: randomUUID(), authorId: author, audience: 'FOLLOWERS' as const, createdAt: new Date() };
    await systemOfRecord(ks.client).post(post);
    const outcome = await handleFeedEvent(events.postCreated(post), deps, quietContext(silentLogger));
    expect(outcome).toEqual({ kind: 'done' });
    const counted = await ks.client.execute(
      'SELECT COUNT(*) AS n FROM feed_by_viewer WHERE author_id = ? AND post_id = ? ALLOW FILTERING',
      [author, post.postId],
    );
    expect(counted.first()?.get('n')).toBe(BigInt(FOLLOWERS));
  }
}

describe(`fan-out to ${FOLLOWERS} followers`, () => {
  it(`writes exactly ${FOLLOWERS} timeline rows per post`, async () => {
    await fanOutTwice(discardFeedUpdates);
  });

  it('and publishes a live update per recipient on Kafka', async () => {
    let published = 0;
    const publisher = createFeedUpdatesPublisher(producer, topics.feedUpdates);
    await fanOutTwice({
      publish: async (updates, headers) => {
        published += updates.length;
        await publisher.publish(updates, headers);
      },
    });
    expect(published).toBe(2 * FOLLOWERS);
  });
});
