import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';

import { readCredentials, stackDirFromEnv } from '../../src/credentials.ts';
import { kafkaSasl } from './kafka.ts';

// Assumes the engine already runs (`npm run stack -- up`); this proves that kafkajs 2.2.4
// still speaks to it after Kafka 4 removed the old protocol versions (KIP-896).
const broker = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
const run = randomUUID().slice(0, 8);
const topic = `stack-int-${run}`;
const groupId = `stack-int-${run}`;

// As the admin: the spec creates and deletes its own topic and group.
const client = new Kafka({
  clientId: `stack-int-${run}`,
  brokers: [broker],
  sasl: kafkaSasl(readCredentials(stackDirFromEnv()).kafka.admin),
  logLevel: logLevel.ERROR,
});
const admin: Admin = client.admin();
let producer: Producer | undefined;
let consumer: Consumer | undefined;

beforeAll(async () => {
  await admin.connect();
});

afterAll(async () => {
  // Each step is independent so that one failing disconnect does not leave the topic behind.
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafka engine', () => {
  it('answers describeCluster with its single broker', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).toBe(cluster.brokers[0]?.nodeId);
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('round-trips keyed messages through a consumer group and commits offsets', async () => {
    expect(
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }),
    ).toBe(true);

    const keys = ['order-1', 'order-2', 'order-3', 'order-4'];
    const sent = keys.flatMap((key) => [1, 2, 3].map((n) => ({ key, value: `${key}#${n}` })));
    const producing = client.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    producer = producing;
    await producing.connect();
    // One send per message so that each record's partition and offset come back to us.
    const placed = new Map<string, number>();
    const producedPerPartition = new Map<number, number>();
    for (const message of sent) {
      const [meta] = await producing.send({ topic, acks: -1, messages: [message] });
      expect(meta?.errorCode).toBe(0);
      const partition = meta?.partition ?? -1;
      // The default partitioner hashes keys, so a key must always land on the same partition.
      expect(placed.get(message.key) ?? partition).toBe(partition);
      placed.set(message.key, partition);
      expect(meta?.baseOffset).toBe(String(producedPerPartition.get(partition) ?? 0));
      producedPerPartition.set(partition, (producedPerPartition.get(partition) ?? 0) + 1);
    }

    const received: { key: string; value: string; partition: number; offset: string }[] = [];
    // A short fetch wait keeps disconnect() from idling through kafkajs' default 5 s long poll.
    const consuming = client.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    consumer = consuming;
    await consuming.connect();
    await consuming.subscribe({ topic, fromBeginning: true });
    const allReceived = new Promise<void>((resolve, reject) => {
      // On a fresh broker the first join may meet a coordinator still loading; kafkajs then
      // restarts the consumer by itself, so only a crash it gives up on fails the test.
      consuming.on(consuming.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consuming.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          received.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            partition,
            offset: message.offset,
          });
          // Committed offsets name the next record to read, hence + 1.
          await consuming.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          if (received.length === sent.length) resolve();
        },
      });
    });
    await allReceived;

    const group = await admin.describeGroups([groupId]);
    expect(group.groups[0]).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer' });
    expect(group.groups[0]?.members).toHaveLength(1);

    // Per key, the consumer sees exactly what was sent, in order, on the partition the producer reported.
    for (const key of keys) {
      const mine = received.filter((r) => r.key === key);
      expect(mine.map((r) => r.value)).toEqual([`${key}#1`, `${key}#2`, `${key}#3`]);
      expect(new Set(mine.map((r) => r.partition))).toEqual(new Set([placed.get(key)]));
    }

    await consuming.disconnect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = Object.fromEntries((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
    // Untouched partitions report -1; the others must sit right after their last record.
    expect(byPartition).toEqual({
      0: String(producedPerPartition.get(0) ?? -1),
      1: String(producedPerPartition.get(1) ?? -1),
      2: String(producedPerPartition.get(2) ?? -1),
    });
    const endOffsets = await admin.fetchTopicOffsets(topic);
    for (const { partition, offset } of endOffsets) expect(byPartition[partition]).toBe(offset === '0' ? '-1' : offset);
  });
});
