import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

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
  /** How long `startThrottleFeed` waits for the book to hold the whole topic before it resolves anyway. */
  readonly catchUpTimeoutMs?: number;
  /** The pause before trying again when the topic cannot be read (missing, not allowed, Kafka away). */
  readonly retryMs?: number;
}

export interface ThrottleFeed {
  readonly book: ThrottleBook;
  /** True once the book holds everything the topic held when the feed started reading it. */
  isCaughtUp(): boolean;
  stop(): Promise<void>;
}

/**
 * Keeps a throttle book from insights.throttles: reads the compacted topic from its beginning
 * under a consumer group of this process only (nothing committed, so a restart rebuilds the
 * book from the topic), then follows it. The insights job writes it in transactions: kafkajs
 * reads committed records only by default (`readUncommitted: false`), so a throttle of an
 * aborted transaction never throttles anyone.
 *
 * Returns at once; `caughtUp` resolves once the book holds what the topic held at start (its
 * last stable offsets). A topic that cannot be read is retried in the background. The guard
 * fails open meanwhile: a throttle missed costs a few extra comments, while writers that wait
 * for it would stop every command. The writers process does not wait for it at all: the job
 * publishes a throttle seconds after the window that earns it (a result is visible only after
 * its next checkpoint, every 10 s), so the fraction of a second a restarted writer spends
 * reading the topic is within the lateness every throttle already has.
 */
export function openThrottleFeed(options: ThrottleFeedOptions): ThrottleFeed & { readonly caughtUp: Promise<void> } {
  const { kafka, topic, logger } = options;
  const book = createThrottleBook();
  let consumer: Consumer | undefined;
  let caughtUp = false;
  let stopped = false;
  let reachEnd: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (reachEnd = resolve));

  const follow = async (): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    // Read committed: the offsets a read_committed consumer reaches (the last stable offsets).
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const pending = new Map<number, bigint>();
    for (const { partition, high, low } of ends) {
      if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high) - 1n);
    }
    const check = () => {
      if (caughtUp || pending.size > 0) return;
      caughtUp = true;
      logger.info({ topic, throttles: book.size }, 'flood guard caught up');
      reachEnd();
    };
    // An empty topic: the book already holds all of it.
    check();
    const current = kafka.consumer({
      groupId: `${options.groupPrefix}-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    consumer = current;
    // Batches that hold only transaction markers or aborted records are reported here too, so
    // the end of a partition whose last record is a commit marker is still seen.
    current.on(current.events.END_BATCH_PROCESS, ({ payload }) => {
      const last = pending.get(payload.partition);
      if (last !== undefined && BigInt(payload.lastOffset) >= last) pending.delete(payload.partition);
      check();
    });
    await current.connect();
    await current.subscribe({ topic, fromBeginning: true });
    await current.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const record = readThrottleRecord(message.key?.toString('utf8'), message.value);
        if (record.kind === 'invalid') {
          logger.warn({ topic, offset: message.offset, reason: record.reason }, 'throttle record skipped');
        } else {
          book.apply(record);
        }
      },
    });
    check();
  };

  void (async () => {
    while (!stopped) {
      try {
        await follow();
        return;
      } catch (error) {
        await consumer?.disconnect().catch(() => undefined);
        if (stopped) return;
        logger.warn(
          { err: error, topic },
          'flood guard cannot read its throttles yet; commands are not throttled meanwhile',
        );
        await sleep(options.retryMs ?? 5_000);
      }
    }
  })();

  return {
    book,
    caughtUp: reached,
    isCaughtUp: () => caughtUp,
    async stop() {
      stopped = true;
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}

/**
 * `openThrottleFeed`, resolved once the book holds the whole topic or after
 * `catchUpTimeoutMs` (10 s by default), whichever comes first: for callers that must see
 * every throttle published before they start (the flood guard's specs).
 */
export async function startThrottleFeed(options: ThrottleFeedOptions): Promise<ThrottleFeed> {
  const feed = openThrottleFeed(options);
  const timeoutMs = options.catchUpTimeoutMs ?? 10_000;
  const cancel = new AbortController();
  const timer = sleep(timeoutMs, 'timeout' as const, { signal: cancel.signal }).catch(() => undefined);
  const how = await Promise.race([feed.caughtUp, timer]);
  cancel.abort();
  if (how === 'timeout') {
    options.logger.warn(
      { topic: options.topic, timeoutMs },
      'throttles not read to their end in time; the flood guard catches up while writers decide',
    );
  }
  return feed;
}
