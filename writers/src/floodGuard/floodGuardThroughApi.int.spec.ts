import { randomUUID } from 'node:crypto';

import type { MessageProducer } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import type { SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { signedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { startUsersSubgraph } from '@verograph/users-subgraph';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createThrottlesTopic, publishThrottles } from '../testing/throttles.ts';
import { newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';
import { startThrottleFeed, type ThrottleFeed } from './throttleFeed.ts';

/**
 * What a client sees of the flood guard: the users subgraph publishes a follow, the users
 * writer refuses it for a throttled user, and the mutation answers like any refused command:
 * status REJECTED with the reason's code RATE_LIMITED in its payload (subgraph-kit's command
 * bus surfaces every rejection there, not as a GraphQL error), and a message that says until when.
 */
const secret = `floodguard-api-${randomUUID()}`;
const logger = createLogger('floodguard-api-int', 'silent');
let h: WriterHarness;
let feed: ThrottleFeed;
let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let kafka: Kafka;
const run = randomUUID().slice(0, 8);
const topic = `test.insights.throttles.${run}`;

beforeAll(async () => {
  kafka = createKafka(`floodguard-api-${run}`, engineAddresses().kafkaBrokers);
  await createThrottlesTopic(kafka, topic);
  feed = await startThrottleFeed({ kafka, topic, groupPrefix: `test-writers-floodguard-${run}`, logger });
  h = await startWriterHarness(['users'], { floodGuard: feed.book });
  producer = await createProducer(h.kafka);
  server = await startUsersSubgraph({
    cassandra: h.cassandra,
    producer,
    logger,
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: 10_000,
    idSecret: `ids-${randomUUID()}`,
    commandsTopic: h.topics.usersCommands,
  });
  gql = signedGraphQLClient(server.url, secret, 'users');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await producer?.disconnect();
  await feed?.stop();
  await h?.stop();
  const admin = kafka?.admin();
  await admin?.connect();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

async function signUp(prefix: string): Promise<string> {
  const user = newUser(prefix);
  const answer = await gql.query<{ createProfile: { status: string } }>(
    user.id,
    'mutation($u: String!) { createProfile(input: { username: $u, displayName: "Someone" }) { status } }',
    { u: user.username },
  );
  expect(answer.data?.createProfile.status).toBe('APPLIED');
  return user.id;
}

const FOLLOW = 'mutation($id: ID!) { follow(userId: $id) { status reason { code message } } }';

describe('the flood guard through the users subgraph', () => {
  it('given a throttled follower, when they follow, then the payload is REJECTED with RATE_LIMITED; another user follows', async () => {
    const star = await signUp('star');
    const flooder = await signUp('flooder');
    const calm = await signUp('calm');
    const until = new Date(Date.now() + 60_000);
    await publishThrottles(kafka, topic, [{ userId: flooder, action: 'FOLLOW', until }]);
    await waitFor(() => feed.book.throttledUntil(flooder, 'FOLLOW', new Date()) !== undefined);

    const refused = await gql.query<{ follow: unknown }>(flooder, FOLLOW, { id: star });
    expect(refused.errors).toBeUndefined();
    expect(refused.data?.follow).toEqual({
      status: 'REJECTED',
      reason: {
        code: 'RATE_LIMITED',
        message: `Too many follows in the last minute; try again after ${until.toISOString()}.`,
      },
    });
    const applied = await gql.query<{ follow: unknown }>(calm, FOLLOW, { id: star });
    expect(applied.data?.follow).toEqual({ status: 'APPLIED', reason: null });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the throttle');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
