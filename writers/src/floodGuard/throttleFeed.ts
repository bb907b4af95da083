import { randomUUID } from 'node:crypto';

import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import { createThrottleBook, readThrottleRecord, type ThrottleBook } from './throttleBook.ts';

export interface ThrottleFeedOptions {
  readonly kafka: Kafka;
  /** insights.throttles, compacted: the latest throttle per `<user id>:<action>`. */
  readonly topic: string;
  /** Each process adds a random suffix: every writer instance hears every key (commands of any user reach any instance). */
  readonly groupPrefix: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** How long `start` waits to read the topic to its end before it lets the writers decide anyway. */
  readonly catchUpTimeoutMs?: number;
}

export interface ThrottleFeed {
  readonly book: ThrottleBook;
  /** True once the book holds everything the topic held at start. */
  isCaughtUp(): boolean;
  stop(): Promise<void>;
}

/**
 * Keeps a throttle book from insights.throttles: reads the compacted topic from its beginning
 * under a consumer group of this process only (nothing committed, so a restart rebuilds the
 * book from the topic), and then follows it. The insights job writes it in transactions:
 * kafkajs reads committed records only by default (`readUncommitted: false`), so a throttle of
 * an aborted transaction never throttles anyone.
 *
 * `startThrottleFeed` resolves once the book holds what the topic held when it started (its
 * last stable offsets), or after `catchUpTimeoutMs`: the guard then fails open, since a
 * throttle missed costs a few extra comments while writers that do not decide cost everything.
 */
export async function startThrottleFeed(options: ThrottleFeedOptions): Promise<ThrottleFeed> {
  const { kafka, topic, logger } = options;
  const book = createThrottleBook();
  const admin = kafka.admin();
  await admin.connect();
  // Read committed: the offsets a read_committed consumer reaches (the last stable offsets).
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map<number, bigint>();
  for (const { partition, high, low } of ends) {
    if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high) - 1n);
  }
  let caughtUp = pending.size === 0;
  let markCaughtUp: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
    if (caughtUp) resolve();
  });

  const consumer: Consumer = kafka.consumer({
    groupId: `${options.groupPrefix}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    allowAutoTopicCreation: false,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  // Batches that hold only transaction markers or aborted records are reported here too, so the
  // end of a partition whose last record is a commit marker is still seen.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (caughtUp) return;
    const last = pending.get(payload.partition);
    if (last !== undefined && BigInt(payload.lastOffset) >= last) pending.delete(payload.partition);
    if (pending.size === 0) {
      caughtUp = true;
      markCaughtUp();
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const record = readThrottleRecord(message.key?.toString('utf8'), message.value);
      if (record.kind === 'invalid')
        logger.warn({ topic, offset: message.offset, reason: record.reason }, 'throttle record skipped');
      else book.apply(record);
    },
  });

  const timeoutMs = options.catchUpTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const how = await Promise.race([reached.then(() => 'caught up' as const), timedOut]);
  clearTimeout(timer);
  if (how === 'timeout') {
    logger.warn(
      { topic, timeoutMs },
      'throttles not read to their end in time; the flood guard catches up while writers decide',
    );
  } else {
    logger.info({ topic, throttles: book.size }, 'flood guard caught up');
  }

  return {
    book,
    isCaughtUp: () => caughtUp,
    stop: () => consumer.disconnect().catch(() => undefined),
  };
}
