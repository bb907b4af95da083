import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  PartitionFencedError,
  runConsumer,
  type HandlerOutcome,
  type IncomingBatch,
  type IncomingRecord,
  type RunningConsumer,
} from './consumer.ts';
import { deadLetterSource } from './deadLetter.ts';
import { createKafka, createProducer, type MessageProducer } from './producer.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = randomUUID().slice(0, 8);

let kafka: Kafka;
let admin: Admin;
let producer: MessageProducer;
const created: string[] = [];

/** A topic of this test run only, so parallel runs and other suites never meet. */
async function freshTopic(name: string, partitions = 1): Promise<string> {
  const topic = `test.${name}.${run}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  created.push(topic);
  return topic;
}

function capturedLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads a whole topic from the beginning with a throwaway group. */
async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(message);
    },
  });
  try {
    await until(`${count} records on ${topic}`, () => (seen.length >= count ? true : undefined));
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

async function committed(groupId: string, topic: string): Promise<Map<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(offsets!.partitions.map((p) => [p.partition, p.offset]));
}

beforeAll(async () => {
  kafka = createKafka(`consumer-int-${run}`, brokers);
  admin = kafka.admin();
  await admin.connect();
  producer = await createProducer(kafka);
});

afterAll(async () => {
  await producer?.disconnect();
  if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin?.disconnect();
});

describe('runConsumer on the real Kafka', () => {
  it('sends a poison record to the dead-letter topic with its reason and original bytes, and carries on', async () => {
    const source = await freshTopic('poison');
    const deadLetterTopic = await freshTopic('deadletter');
    const groupId = `test-poison-${run}`;
    const poisonValue = Buffer.from([0x08, 0xff, 0xff, 0xff]);
    await producer.send([
      { topic: source, key: 'a', value: Buffer.from('ok-1') },
      {
        topic: source,
        key: 'b',
        value: poisonValue,
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
      { topic: source, key: 'c', value: Buffer.from('ok-2') },
    ]);
    const handled: string[] = [];
    const traces: string[] = [];
    const registry = new Registry();
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic,
      logger: pino({ level: 'silent' }),
      metrics: registry,
      handle: async (record): Promise<HandlerOutcome> => {
        traces.push(record.trace.traceparent);
        if (!record.value?.toString().startsWith('ok')) {
          return { kind: 'dead-letter', code: 'UNDECODABLE', reason: 'not a command' };
        }
        handled.push(record.value.toString());
        return { kind: 'done' };
      },
    });
    try {
      await until('both good records', () => (handled.length === 2 ? true : undefined));
      expect(handled).toEqual(['ok-1', 'ok-2']);
      // The poison record's trace is continued: same trace id, new span.
      expect(traces[1]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      expect(traces[1]).not.toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');

      const [dead] = await readAll(deadLetterTopic, 1);
      expect(dead!.key).toEqual(Buffer.from('b'));
      expect(dead!.value).toEqual(poisonValue);
      expect(dead!.headers?.traceparent?.toString()).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      expect(deadLetterSource(dead!.headers)).toMatchObject({
        topic: source,
        partition: 0,
        offset: '1',
        consumerGroup: groupId,
        code: 'UNDECODABLE',
        reason: 'not a command',
      });
      const text = await registry.metrics();
      expect(text).toContain(`messages_dead_lettered_total{group="${groupId}",topic="${source}",code="UNDECODABLE"} 1`);
      expect(text).toContain(`messages_processed_total{group="${groupId}",topic="${source}"} 3`);
      await until('offsets committed past the poison record', async () =>
        (await committed(groupId, source)).get(0) === '3' ? true : undefined,
      );
    } finally {
      await consumer.stop();
    }
  });

  it('retries a throwing handler on the same record with backoff, then handles it exactly once, skipping nothing', async () => {
    const source = await freshTopic('transient', 2);
    const groupId = `test-transient-${run}`;
    const records = Array.from({ length: 10 }, (_, i) => ({
      topic: source,
      key: `k${i % 2}`,
      value: Buffer.from(`m${i}`),
    }));
    await producer.send(records);
    const failuresLeft = new Map([['m3', 2]]);
    const applied: string[] = [];
    const attempts: { value: string; attempt: number }[] = [];
    const { logger, lines } = capturedLogs();
    const registry = new Registry();
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic: await freshTopic('deadletter-unused'),
      logger,
      metrics: registry,
      backoff: { initialMs: 50, maxMs: 400, factor: 2 },
      lagRefreshMs: 300,
      handle: async (record: IncomingRecord): Promise<HandlerOutcome> => {
        const value = record.value!.toString();
        attempts.push({ value, attempt: record.attempt });
        const left = failuresLeft.get(value) ?? 0;
        if (left > 0) {
          failuresLeft.set(value, left - 1);
          throw new Error(`cassandra is down (${left})`);
        }
        applied.push(value);
        return value === 'm5' ? { kind: 'done', rejection: { code: 'ALREADY_LOVED' } } : { kind: 'done' };
      },
    });
    try {
      await until('all records', () => (applied.length >= 10 ? true : undefined));
      expect([...applied].sort()).toEqual(records.map((r) => r.value.toString()).sort());
      expect(new Set(applied).size).toBe(10);
      expect(attempts.filter((a) => a.value === 'm3').map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Order within a partition (one key) is kept across the retries.
      const oneKey = applied.filter((v) => Number(v.slice(1)) % 2 === 1);
      expect(oneKey).toEqual(['m1', 'm3', 'm5', 'm7', 'm9']);

      const retries = lines.filter((l) => l.msg === 'handling failed; retrying the same record after a backoff');
      expect(retries).toHaveLength(2);
      expect(retries[0]).toMatchObject({
        group: groupId,
        topic: source,
        attempt: 1,
        err: { message: 'cassandra is down (2)' },
      });
      expect(retries[1]).toMatchObject({ attempt: 2, err: { message: 'cassandra is down (1)' } });

      const text = await registry.metrics();
      expect(text).toContain(`message_retries_total{group="${groupId}",topic="${source}"} 2`);
      expect(text).toContain(`messages_rejected_total{group="${groupId}",topic="${source}",code="ALREADY_LOVED"} 1`);
      expect(text).toContain(`messages_processed_total{group="${groupId}",topic="${source}"} 10`);
      expect(text).toMatch(new RegExp(`message_processing_seconds_count\\{group="${groupId}",topic="${source}"\\} 10`));
      // Both partitions report, the one that got no records too (from the periodic refresh).
      await until('lag of both partitions', async () => {
        const now = await registry.metrics();
        return [0, 1].every((p) =>
          now.includes(`consumer_lag{group="${groupId}",topic="${source}",partition="${p}"} 0`),
        )
          ? true
          : undefined;
      });

      await until('offsets committed', async () => {
        const offsets = await committed(groupId, source);
        const total = [...offsets.values()].reduce((sum, o) => sum + Math.max(0, Number(o)), 0);
        return total === 10 ? true : undefined;
      });
    } finally {
      await consumer.stop();
    }
  });

  it('keeps its partition through retries that outlast the session timeout, by heartbeating while it waits', async () => {
    const source = await freshTopic('long-outage');
    const groupId = `test-long-outage-${run}`;
    await producer.send([{ topic: source, key: 'k', value: Buffer.from('x') }]);
    const { logger, lines } = capturedLogs();
    const outageUntil = Date.now() + 9_000;
    let applied = 0;
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic: await freshTopic('deadletter-outage'),
      logger,
      metrics: new Registry(),
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      backoff: { initialMs: 2_000, maxMs: 4_000, factor: 2 },
      handle: async () => {
        if (Date.now() < outageUntil) throw new Error('cassandra is down');
        applied++;
        return { kind: 'done' };
      },
    });
    try {
      await until('the record after the outage', () => (applied === 1 ? true : undefined), 45_000);
      await until('its offset committed', async () =>
        (await committed(groupId, source)).get(0) === '1' ? true : undefined,
      );
      // Had the member been evicted, its commit would have failed, the group rebalanced, and
      // the record been handled a second time.
      expect(applied).toBe(1);
      expect(lines.filter((l) => l.msg === 'joined the consumer group')).toHaveLength(1);
      expect(
        lines.filter((l) => l.msg === 'handling failed; retrying the same record after a backoff').length,
      ).toBeGreaterThanOrEqual(3);
      expect(consumer.isReady()).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it('with keys consumed concurrently: keeps each key’s order, and commits only what has nothing unhandled before it', async () => {
    const source = await freshTopic('by-key');
    const groupId = `test-by-key-${run}`;
    // One partition: a0 b0 a1 b1 c0 a2 c1 b2 c2 — key a's first record is slow to succeed.
    const values = ['a0', 'b0', 'a1', 'b1', 'c0', 'a2', 'c1', 'b2', 'c2'];
    await producer.send(values.map((v) => ({ topic: source, key: v[0]!, value: Buffer.from(v) })));
    const order: string[] = [];
    let releaseA0: () => void = () => {};
    const a0Blocked = new Promise<void>((r) => (releaseA0 = r));
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic: await freshTopic('deadletter-by-key'),
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      keysConsumedConcurrently: 3,
      commitIntervalMs: 0,
      handle: async (record) => {
        const value = record.value!.toString();
        if (value === 'a0') await a0Blocked;
        order.push(value);
        return { kind: 'done' };
      },
    });
    try {
      await until('keys b and c done while a waits', () => (order.length === 6 ? true : undefined));
      expect(order.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
      expect(order.filter((v) => v.startsWith('c'))).toEqual(['c0', 'c1', 'c2']);
      // a0 is offset 0: nothing may be committed past it while it is unhandled.
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await committed(groupId, source)).get(0)).toBe('-1');
      releaseA0();
      await until('key a', () => (order.length === 9 ? true : undefined));
      expect(order.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
      await until('everything committed', async () =>
        (await committed(groupId, source)).get(0) === '9' ? true : undefined,
      );
    } finally {
      releaseA0();
      await consumer.stop();
    }
  });

  it('commits only handled records: a handler that stops leaves its record for the next run', async () => {
    const source = await freshTopic('stop');
    const groupId = `test-stop-${run}`;
    await producer.send(['a', 'b', 'c', 'd'].map((v) => ({ topic: source, key: 'k', value: Buffer.from(v) })));
    const deadLetterTopic = await freshTopic('deadletter-stop');
    const seen: string[] = [];
    const first: RunningConsumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      handle: async (record) => {
        const value = record.value!.toString();
        if (value === 'c') return { kind: 'stop', reason: 'schema of the store is newer than this writer' };
        seen.push(value);
        return { kind: 'done' };
      },
    });
    const why = await first.stopped;
    expect(why).toMatchObject({
      reason: 'handler',
      offset: '2',
      message: 'schema of the store is newer than this writer',
    });
    expect(first.isReady()).toBe(false);
    expect(seen).toEqual(['a', 'b']);
    expect((await committed(groupId, source)).get(0)).toBe('2');

    const second = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      handle: async (record) => {
        seen.push(record.value!.toString());
        return { kind: 'done' };
      },
    });
    try {
      await until('the rest', () => (seen.length === 4 ? true : undefined));
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      expect(second.isReady()).toBe(true);
      await until('offsets committed', async () =>
        (await committed(groupId, source)).get(0) === '4' ? true : undefined,
      );
    } finally {
      await second.stop();
    }
    expect(await second.stopped).toEqual({ reason: 'requested' });
  });
});

describe('runConsumer with a batch handler, on the real Kafka', () => {
  it('hands over whole batches in partition order, retries a throwing batch whole, dead-letters poison, commits all', async () => {
    const source = await freshTopic('batches', 2);
    const deadLetterTopic = await freshTopic('deadletter-batches');
    const groupId = `test-batches-${run}`;
    const values = Array.from({ length: 30 }, (_, i) => (i === 7 ? 'poison' : `m${i}`));
    await producer.send(values.map((v, i) => ({ topic: source, key: `k${i % 2}`, value: Buffer.from(v) })));
    const calls: { partition: number; values: string[]; attempt: number }[] = [];
    let failOnce = true;
    const registry = new Registry();
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic,
      logger: pino({ level: 'silent' }),
      metrics: registry,
      backoff: { initialMs: 50, maxMs: 200, factor: 2 },
      maxBatchRecords: 8,
      handleBatch: async (batch: IncomingBatch): Promise<HandlerOutcome[]> => {
        await batch.assertOwned();
        const got = batch.records.map((r) => r.value!.toString());
        calls.push({ partition: batch.partition, values: got, attempt: batch.records[0]!.attempt });
        if (failOnce) {
          failOnce = false;
          throw new Error('cassandra is down');
        }
        return got.map((v) =>
          v === 'poison' ? { kind: 'dead-letter', code: 'UNDECODABLE', reason: 'not a command' } : { kind: 'done' },
        );
      },
    });
    try {
      // Every call but the first (which threw) handled its records.
      const handled = () => calls.slice(1);
      await until('every record handled', () =>
        handled().reduce((n, c) => n + c.values.length, 0) >= values.length ? true : undefined,
      );
      // The first batch failed and came again whole, as attempt 2.
      expect(calls[1]).toEqual({ ...calls[0]!, attempt: 2 });
      // Several records per call, never more than maxBatchRecords, each partition in its order.
      expect(Math.max(...calls.map((c) => c.values.length))).toBeGreaterThan(1);
      expect(Math.max(...calls.map((c) => c.values.length))).toBeLessThanOrEqual(8);
      for (const partition of [0, 1]) {
        const seen = handled()
          .filter((c) => c.partition === partition)
          .flatMap((c) => c.values);
        expect(seen).toEqual(values.filter((v) => seen.includes(v)));
      }
      const [dead] = await readAll(deadLetterTopic, 1);
      expect(dead!.value!.toString()).toBe('poison');
      await until('offsets committed', async () => {
        const offsets = await committed(groupId, source);
        return [...offsets.values()].reduce((sum, o) => sum + Math.max(0, Number(o)), 0) === values.length
          ? true
          : undefined;
      });
      const text = await registry.metrics();
      expect(text).toContain(`messages_processed_total{group="${groupId}",topic="${source}"} ${values.length}`);
      expect(text).toContain(`messages_dead_lettered_total{group="${groupId}",topic="${source}",code="UNDECODABLE"} 1`);
    } finally {
      await consumer.stop();
    }
  });

  it('fences a batch once the consumer stops: assertOwned throws PartitionFencedError', async () => {
    const source = await freshTopic('fenced');
    const groupId = `test-fenced-${run}`;
    await producer.send([{ topic: source, key: 'k', value: Buffer.from('a') }]);
    let owned: IncomingBatch['assertOwned'] | undefined;
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [source],
      deadLetterTopic: await freshTopic('deadletter-fenced'),
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      handleBatch: async (batch) => {
        await batch.assertOwned();
        owned = batch.assertOwned;
        return batch.records.map((): HandlerOutcome => ({ kind: 'done' }));
      },
    });
    await until('the batch', () => owned);
    await consumer.stop();
    await expect(owned!()).rejects.toBeInstanceOf(PartitionFencedError);
  });

  it('refuses options with both or neither of handle and handleBatch', async () => {
    await expect(
      runConsumer({
        kafka,
        groupId: `test-neither-${run}`,
        topics: ['unused'],
        logger: pino({ level: 'silent' }),
        metrics: new Registry(),
      }),
    ).rejects.toThrow('exactly one of handle and handleBatch');
  });
});
