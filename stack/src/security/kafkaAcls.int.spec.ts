import { randomUUID } from 'node:crypto';

import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

import { readCredentials, stackDirFromEnv, type Credential } from '../credentials.ts';

/**
 * Least privilege on Kafka, tried the way an attacker holding one service's credentials would:
 * each principal may produce and consume only what migrations/kafka grants it. Before sign-in
 * and ACLs, anyone who reached the broker could publish a command as any user.
 */
const broker = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
const credentials = readCredentials(stackDirFromEnv());
const run = randomUUID().slice(0, 8);
const opened: Array<{ disconnect(): Promise<void> }> = [];

function client(credential?: Credential): kafkajs.Kafka {
  return new kafkajs.Kafka({
    clientId: `security-${run}`,
    brokers: [broker],
    ...(credential && {
      sasl: { mechanism: 'scram-sha-512', username: credential.username, password: credential.password },
    }),
    connectionTimeout: 3_000,
    // The idempotent producer needs at least one retry; an authorization error is not retried.
    retry: { retries: 1, initialRetryTime: 50 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

/** Sends one harmless record, as the services' idempotent producer does; resolves to Kafka's error type. */
async function produceAs(credential: Credential | undefined, topic: string): Promise<string> {
  const producer = client(credential).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  opened.push(producer);
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: `security-${run}`, value: 'not a command' }] });
    return 'PRODUCED';
  } catch (error) {
    return errorType(error);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

function errorType(error: unknown): string {
  const e = error as { type?: string; name?: string; message?: string; cause?: unknown };
  return e.type ?? (e.cause ? errorType(e.cause) : `${e.name ?? 'UNKNOWN'}: ${e.message ?? ''}`);
}

afterAll(async () => {
  await Promise.allSettled(opened.map((c) => c.disconnect()));
});

describe('Kafka sign-in and ACLs', () => {
  it('refuses a client that does not sign in', async () => {
    expect(await produceAs(undefined, 'posts.commands')).not.toBe('PRODUCED');
  });

  it('refuses a wrong password', async () => {
    const admin = client({ username: credentials.kafka.admin.username, password: 'not-the-password' }).admin();
    opened.push(admin);
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);
  });

  it("refuses a command produced with the projectors' credentials (TOPIC_AUTHORIZATION_FAILED)", async () => {
    expect(await produceAs(credentials.kafka.projectors, 'posts.commands')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets only the writers produce events and outcomes: a subgraph may not', async () => {
    expect(await produceAs(credentials.kafka.posts, 'posts.events')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await produceAs(credentials.kafka.users, 'commands.outcomes')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it("lets a subgraph produce to its own commands topic only, not another aggregate's", async () => {
    expect(await produceAs(credentials.kafka.users, 'posts.commands')).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Live notifications come from the notifications projector only.
    expect(await produceAs(credentials.kafka.users, 'notification.updates')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it("refuses a consumer group outside the principal's own prefix, and topics it does not read", async () => {
    const admin = client(credentials.kafka.gateway).admin();
    opened.push(admin);
    await admin.connect();
    // Kafka answers GROUP_AUTHORIZATION_FAILED to FindCoordinator for a group the principal may
    // not describe; kafkajs reports that as a coordinator it could not find.
    await expect(admin.describeGroups([`gateway.security-${run}`])).resolves.toBeDefined();
    await expect(admin.describeGroups([`writers-security-${run}`])).rejects.toThrow(/group coordinator/);
    // READ on a topic implies DESCRIBE: offsets of the topics it reads are visible, of others not.
    await expect(admin.fetchTopicOffsets('feed.updates')).resolves.toBeDefined();
    await expect(admin.fetchTopicOffsets('notification.updates')).resolves.toBeDefined();
    await expect(admin.fetchTopicOffsets('posts.commands')).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
  });
});
