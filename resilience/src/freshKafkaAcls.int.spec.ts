/**
 * A fresh stack's Kafka enforces its ACLs as soon as `stack up` returns. In KRaft a broker
 * applies an ACL seconds after the controller has committed it; CI saw the writers, started right
 * after `up` on private engines, refused with "Cluster authorization failed" while the brokers
 * held no ACL at all. Here a service principal uses its rights the moment `up` is done: an
 * idempotent producer (InitProducerId) writing to a topic it owns, and a topic it reads.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createKafka } from '@verograph/messaging';
import { readCredentials } from '@verograph/stack';

import { createCleanups } from './cleanups.ts';
import { describeKafkaAcls } from './kafkaAcls.ts';
import { createPrivateStack, type PrivateStack } from './privateStack.ts';

const cleanups = createCleanups();
let stack: PrivateStack;

beforeAll(async () => {
  stack = await createPrivateStack(['kafka']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka');
}, 300_000);

afterAll(() => cleanups.runAll());

it("lets the writers use their rights the moment `up` returns, and no one else's", async () => {
  const brokers = [stack.addresses.KAFKA_BROKERS!];
  const writers = readCredentials(stack.dir).kafka.writers;
  const kafka = createKafka('fresh-acls', brokers, writers);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  cleanups.add('disconnecting the producer', () => producer.disconnect());
  await producer.connect();
  const [written] = await producer.send({ topic: 'posts.events', messages: [{ key: 'k', value: 'v' }] });
  expect(written?.errorCode).toBe(0);
  // Still least privilege: the writers may not publish commands.
  await expect(producer.send({ topic: 'posts.commands', messages: [{ key: 'k', value: 'v' }] })).rejects.toThrow(
    /authorization/i,
  );
  expect(await describeKafkaAcls(brokers[0]!)).toContain('User:writers ALLOW WRITE TOPIC:posts.events');
});
