import { randomUUID } from 'node:crypto';

import type { Kafka } from 'kafkajs';

export interface CapturedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Everything published to a topic since the capture started, read with a group of its own. */
export interface TopicCapture {
  /** Waits until the capture has read everything the topic holds right now, then returns it all. */
  settled(timeoutMs?: number): Promise<CapturedRecord[]>;
  stop(): Promise<void>;
}

/**
 * Starts reading a shared topic from its current end with a unique consumer group, so a
 * test sees exactly the records published after it started, other developers' included
 * (filter by key or id).
 */
export async function startTopicCapture(kafka: Kafka, topic: string): Promise<TopicCapture> {
  const admin = kafka.admin();
  await admin.connect();
  const start = await admin.fetchTopicOffsets(topic);
  const consumer = kafka.consumer({ groupId: `test-capture-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const records: CapturedRecord[] = [];
  const next = new Map<number, bigint>(start.map((p) => [p.partition, BigInt(p.offset)]));
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        if (value !== undefined) headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
      }
      records.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString(),
        value: message.value ?? Buffer.alloc(0),
        headers,
      });
      next.set(partition, BigInt(message.offset) + 1n);
    },
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // kafkajs refuses a seek while its group is not set up (a consumer restarting after a failed
  // first join, as seen once in CI): then it is retried until taken.
  for (let deadline = Date.now() + 30_000; ; await sleep(100)) {
    try {
      for (const p of start) consumer.seek({ topic, partition: p.partition, offset: p.offset });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }

  return {
    async settled(timeoutMs = 30_000) {
      const end = await admin.fetchTopicOffsets(topic);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const behind = end.filter((p) => (next.get(p.partition) ?? 0n) < BigInt(p.offset));
        if (joined && behind.length === 0) return [...records];
        if (Date.now() > deadline) {
          throw new Error(`capture of ${topic} did not catch up within ${timeoutMs} ms (joined: ${joined})`);
        }
        await sleep(50);
      }
    },
    async stop() {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
