import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ThrottledAction, ThrottleSchema } from '@verograph/contracts/insights/v1/insights';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { createKafka } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createThrottlesTopic, publishThrottles, type ThrottleToPublish } from '../testing/throttles.ts';
import { CommandStatus, newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';
import { throttleKey } from './throttleBook.ts';
import { startThrottleFeed, type ThrottleFeed } from './throttleFeed.ts';

/**
 * Issue 16's flood guard on the real Kafka and Cassandra: Throttle records published by hand,
 * as the insights job publishes them (in transactions, on a compacted topic), and the posts
 * writer deciding comments against them.
 */
const run = randomUUID().slice(0, 8);
const topic = `test.insights.throttles.${run}`;
const logger = pino({ level: 'silent' });
let kafka: Kafka;
let feed: ThrottleFeed;
let h: WriterHarness;
const author = newUser('author');
const spammer = newUser('spammer');
const aborted = newUser('aborted');
const neighbour = newUser('neighbour');
const postId = randomUUID();

const publish = (throttles: readonly ThrottleToPublish[], outcome?: 'commit' | 'abort') =>
  publishThrottles(kafka, topic, throttles, outcome);

const comment = (user: { id: string }) =>
  h.post(user.id, postId, {
    case: 'commentOnPost',
    value: { postId, commentId: randomUUID(), authorId: user.id, text: 'me again' },
  });

async function until(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  kafka = createKafka(`writers-floodguard-test-${run}`, engineAddresses().kafkaBrokers);
  await createThrottlesTopic(kafka, topic);
  // Before the writer starts: its book must be rebuilt from what the topic already holds.
  const inAMinute = new Date(Date.now() + 60_000);
  await publish([{ userId: spammer.id, action: 'COMMENT', until: inAMinute }]);
  await publish([{ userId: aborted.id, action: 'COMMENT', until: inAMinute }], 'abort');
  feed = await startThrottleFeed({ kafka, topic, groupPrefix: `test-writers-floodguard-${run}`, logger });
  h = await startWriterHarness(['users', 'posts'], { floodGuard: feed.book });
  await h.applied(
    await h.user(author.id, author.id, {
      case: 'createProfile',
      value: { userId: author.id, profile: { username: author.username, displayName: 'Author' } },
    }),
  );
  await h.applied(
    await h.post(author.id, postId, {
      case: 'createPost',
      value: {
        postId,
        authorId: author.id,
        kind: PostKind.TEXT,
        audience: Audience.FOLLOWERS,
        caption: 'Flood me',
        tags: [],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await feed?.stop();
  const admin = kafka?.admin();
  await admin?.connect();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('the flood guard on the real engines', () => {
  it('given a throttle committed before the writer started, then that user is RATE_LIMITED and another user is APPLIED', async () => {
    expect(feed.isCaughtUp()).toBe(true);
    const refused = await h.outcome(await comment(spammer));
    expect(refused).toMatchObject({ status: CommandStatus.REJECTED, reasonCode: 'RATE_LIMITED' });
    expect(refused.reasonMessage).toMatch(/Too many comments in the last minute; try again after /);
    expect(refused.eventIds).toEqual([]);
    await h.applied(await comment(neighbour));
  });

  it('given a throttle in an aborted transaction, then it throttles nobody (read committed)', async () => {
    await h.applied(await comment(aborted));
  });

  it('given a throttle published while the writer runs, then the next comment is refused; once lifted, applied', async () => {
    const late = newUser('late');
    await h.applied(await comment(late));
    await publish([{ userId: late.id, action: 'COMMENT', until: new Date(Date.now() + 60_000) }]);
    await until('the throttle of late', () => feed.book.throttledUntil(late.id, 'COMMENT', new Date()) !== undefined);
    expect(await h.outcome(await comment(late))).toMatchObject({ reasonCode: 'RATE_LIMITED' });
    // A follow throttle does not touch comments; a record whose `until` has passed lifts it.
    await publish([
      { userId: neighbour.id, action: 'FOLLOW', until: new Date(Date.now() + 60_000) },
      { userId: late.id, action: 'COMMENT', until: new Date(Date.now() - 1_000) },
    ]);
    await until(
      'the lifted throttle and the follow throttle',
      () =>
        feed.book.throttledUntil(late.id, 'COMMENT', new Date()) === undefined &&
        feed.book.throttledUntil(neighbour.id, 'FOLLOW', new Date()) !== undefined,
    );
    await h.applied(await comment(late));
    await h.applied(await comment(neighbour));
  });
});

describe('the flood guard when its topic cannot be read yet', () => {
  it('lets the writers start unthrottled, and throttles once the topic appears', async () => {
    const later = `${topic}.later`;
    const waiting = await startThrottleFeed({
      kafka,
      topic: later,
      groupPrefix: `test-writers-floodguard-${run}`,
      logger,
      catchUpTimeoutMs: 300,
      retryMs: 200,
    });
    try {
      expect(waiting.isCaughtUp()).toBe(false);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: later, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const user = newUser('later');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: later,
        messages: [
          {
            key: throttleKey(user.id, 'FOLLOW'),
            value: Buffer.from(
              toBinary(
                ThrottleSchema,
                create(ThrottleSchema, {
                  userId: user.id,
                  action: ThrottledAction.FOLLOW,
                  until: timestampFromDate(new Date(Date.now() + 60_000)),
                }),
              ),
            ),
          },
        ],
      });
      await producer.disconnect();
      await until(
        'the throttle on the late topic',
        () => waiting.book.throttledUntil(user.id, 'FOLLOW', new Date()) !== undefined,
        20_000,
      );
    } finally {
      await waiting.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [later] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
