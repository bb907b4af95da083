import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.ts';
import { consumerMetrics } from './consumerMetrics.ts';
import { createLagTracker } from './consumerLag.ts';
import { createDeadLetterPublisher, type DeadLetterPublisher } from './deadLetter.ts';
import { removePredecessors } from './predecessors.ts';
import { topics as topicNames } from './topics.ts';
import { traceFromHeaders, type TraceContext } from './trace.ts';

/** One consumed record, as a handler sees it. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** The producer's timestamp, in milliseconds since the epoch, as Kafka gives it. */
  readonly timestamp: string;
  /** The record's W3C trace context (from its `traceparent` header), continued as a child span. */
  readonly trace: TraceContext;
  /** 1 on the first attempt; more when earlier attempts threw and were retried. */
  readonly attempt: number;
}

/**
 * What became of a record. A handler says so explicitly; a handler that throws is taken to
 * have met a transient failure (an engine down) and is called again with the same record.
 * - `done`: handled; the offset may be committed. `rejection` marks a command the domain
 *   refused (counted in `messages_rejected_total`): refusing is a normal way to handle one.
 * - `dead-letter`: a poison record (undecodable, of an unknown type, breaking the contract):
 *   it goes to the dead-letter topic with its reason, and the partition moves on.
 * - `stop`: something is wrong that retrying cannot fix and skipping must not hide; the
 *   consumer stops without committing the record, and `stopped` says why.
 */
export type HandlerOutcome =
  | { readonly kind: 'done'; readonly rejection?: { readonly code: string } }
  | { readonly kind: 'dead-letter'; readonly reason: string; readonly code: string }
  | { readonly kind: 'stop'; readonly reason: string };

export type RecordHandler = (record: IncomingRecord) => Promise<HandlerOutcome>;

/** Thrown by `IncomingBatch.assertOwned` when this member may no longer own the partition. */
export class PartitionFencedError extends Error {
  readonly code = 'PARTITION_FENCED';
  constructor(reason: string) {
    super(`this consumer may no longer own the partition: ${reason}`);
    this.name = 'PartitionFencedError';
  }
}

/** Consecutive records of one partition, handed to a `BatchHandler` together. */
export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  /** In partition order; every record carries the same `attempt`. */
  readonly records: readonly IncomingRecord[];
  /**
   * Resolves while this member still owns the partition, and throws `PartitionFencedError`
   * once it may not: the consumer is stopping, the group is rebalancing, or no heartbeat has
   * been acknowledged within half the session timeout (the coordinator could have handed the
   * partition to another member). A handler calls it right before each write it makes.
   */
  assertOwned(): Promise<void>;
}

/**
 * Handles a batch of one partition's records at once, answering one outcome per record, in
 * the same order. A handler that throws is retried with the whole batch (it must be
 * idempotent, as a record handler must be). Records after a `stop` are not committed.
 */
export type BatchHandler = (batch: IncomingBatch) => Promise<readonly HandlerOutcome[]>;

export interface ConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** One record at a time; exactly one of `handle` and `handleBatch` is given. */
  readonly handle?: RecordHandler;
  /** Whole fetched batches of a partition, at most `maxBatchRecords` records at once. */
  readonly handleBatch?: BatchHandler;
  /** With `handleBatch`: the most records handed over at once. Defaults to 500. */
  readonly maxBatchRecords?: number;
  /**
   * How long the broker may hold a fetch while it has less than `minBytes` to answer. Records
   * that arrive end the wait at once (`minBytes` is 1), so this only bounds idle polls and
   * how soon a new assignment is fetched. Defaults to 500 ms (kafkajs: 5 000).
   */
  readonly maxWaitTimeInMs?: number;
  /** Called whenever this member (re)joins its group: what it owned before may have moved. */
  readonly onAssignment?: () => void;
  readonly logger: Logger;
  /** Where the consumer's metrics go; several consumers may share one registry. */
  readonly metrics: Registry;
  /** Defaults to `deadletter`. */
  readonly deadLetterTopic?: string;
  /** Where a group with no committed offset starts. Defaults to the beginning: no command is skipped. */
  readonly fromBeginning?: boolean;
  readonly backoff?: BackoffPolicy;
  /** Partitions handled at once (order is kept within each). Defaults to 1. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Keys handled at once within a partition. 1 (the default) keeps the partition's order;
   * more keeps only each key's order, for handlers whose ordering unit is the key (a
   * writer's aggregate), and lets one slow or retrying key not hold up the others.
   */
  readonly keysConsumedConcurrently?: number;
  /** Handled offsets are committed at least this often, and at the end of every batch. Defaults to 1000. */
  readonly commitIntervalMs?: number;
  /** Defaults to `DEFAULT_SESSION_TIMEOUT_MS`. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** How often log ends and committed offsets are read for `consumer_lag`; 0 turns it off. Defaults to 10 000. */
  readonly lagRefreshMs?: number;
  /** Source of jitter; tests pin it. */
  readonly random?: () => number;
}

/**
 * How long the group waits for a member that stopped heartbeating. A member killed with
 * `kill -9` cannot leave its group, so until this passes its partitions are not consumed, and
 * a member that (re)joins meanwhile holds the whole group in a rebalance that waits for the
 * dead one (resilience/serviceKills: 29–37 s to ready, the live feed still for 25 s, at 30 s).
 * kafkajs 2.2.4 has no static membership (`group.instance.id`) to skip that wait, so the
 * timeout is kept short: 10 s, heartbeats every ~1.7 s; the broker's minimum is 6 s.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/** Why a consumer stopped for good. */
export type ConsumerStopped =
  | { readonly reason: 'requested' }
  | {
      readonly reason: 'handler';
      readonly message: string;
      readonly topic: string;
      readonly partition: number;
      readonly offset: string;
    }
  | { readonly reason: 'crashed'; readonly error: Error };

export interface RunningConsumer {
  readonly groupId: string;
  /** True once the group has given this member its partitions, until the consumer stops. */
  isReady(): boolean;
  /** Settles once, when the consumer has stopped for good; the composition root exits on it. */
  readonly stopped: Promise<ConsumerStopped>;
  /** Finishes the record in hand (or abandons its retries), commits what was handled, leaves the group. */
  stop(): Promise<void>;
}

type Attempted = 'handled' | 'stop' | 'abandoned';

/**
 * Consumes `topics` as `groupId`, one record at a time per partition (or per key, with
 * `keysConsumedConcurrently`), with this policy:
 * - an offset is released for commit only once its record is fully handled (eachBatch with
 *   manual `resolveOffset`), so a crash replays, and never loses, what was in hand;
 * - a poison record goes to the dead-letter topic with its bytes, headers and reason, and
 *   the partition moves on;
 * - a handler that throws is retried on the same record with capped, jittered exponential
 *   backoff, forever: nothing is skipped, and heartbeats during the waits keep the partition;
 * - `consumer_lag`, `messages_processed_total`, `messages_rejected_total`,
 *   `messages_dead_lettered_total`, `message_retries_total`, `message_processing_seconds`.
 * Resolves once the consumer is subscribed and running.
 */
export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { kafka, groupId, logger, handle } = options;
  if ((options.handle === undefined) === (options.handleBatch === undefined)) {
    throw new Error(`consumer ${groupId}: give exactly one of handle and handleBatch`);
  }
  const log = logger.child({ group: groupId });
  const backoff = options.backoff ?? defaultBackoff;
  const random = options.random ?? Math.random;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  // Several heartbeats fit in half a session, the lease a batch handler's writes rely on.
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeoutMs / 6));
  const keyConcurrency = options.keysConsumedConcurrently ?? 1;
  const metrics = consumerMetrics(options.metrics);
  const lag = createLagTracker(metrics.lag, groupId);

  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
    allowAutoTopicCreation: false,
  });
  const deadLetters: DeadLetterPublisher = await createDeadLetterPublisher(
    kafka,
    options.deadLetterTopic ?? topicNames.deadLetter,
  );
  const admin: Admin = kafka.admin();

  let ready = false;
  // Set once the consumer must not touch another record: stop requested, or a handler said stop.
  let halted = false;
  let stopRequest: ConsumerStopped | undefined;
  const abort = new AbortController();
  let settle: (why: ConsumerStopped) => void = () => {};
  const stopped = new Promise<ConsumerStopped>((resolve) => {
    let settled = false;
    settle = (why) => {
      if (settled) return;
      settled = true;
      resolve(why);
    };
  });

  // When the coordinator last acknowledged this member: it keeps the partitions for a session
  // timeout after that, so writes made within half of it cannot overlap with a new owner's.
  let lastHeartbeatAt = 0;
  consumer.on(consumer.events.HEARTBEAT, () => {
    lastHeartbeatAt = Date.now();
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    lastHeartbeatAt = Date.now();
    options.onAssignment?.();
    ready = true;
    lag.assigned(event.payload.memberAssignment);
    log.info({ assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.CRASH, (event) => {
    ready = false;
    log.error({ err: event.payload.error, restart: event.payload.restart }, 'the Kafka consumer crashed');
    if (!event.payload.restart) {
      halted = true;
      void shutdown().then(() => settle({ reason: 'crashed', error: event.payload.error }));
    }
  });

  const recordOf = (topic: string, partition: number, message: KafkaMessage, attempt: number): IncomingRecord => ({
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: message.timestamp,
    trace: traceFromHeaders(message.headers ?? {}),
    attempt,
  });

  /** Waits `ms`, heartbeating, unless `keepWaiting` turns false. False when the wait was cut short. */
  const waitWithHeartbeats = async (ms: number, heartbeat: () => Promise<void>, keepWaiting: () => boolean) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!keepWaiting()) return false;
      try {
        await sleep(Math.min(until - Date.now(), heartbeatIntervalMs), undefined, { signal: abort.signal });
      } catch {
        return false;
      }
      // Throws when the group is rebalancing: the batch is left, unresolved, so the record
      // is retried by whichever member owns the partition next.
      await heartbeat();
    }
    return keepWaiting();
  };

  /** Counts a record's outcome, dead-letters a poison record; 'stop' when the handler asked to. */
  const conclude = async (record: IncomingRecord, outcome: HandlerOutcome, started: number): Promise<Attempted> => {
    const { topic, partition, offset } = record;
    const labels = { group: groupId, topic };
    switch (outcome.kind) {
      case 'done':
        if (outcome.rejection) metrics.rejected.inc({ ...labels, code: outcome.rejection.code });
        break;
      case 'dead-letter':
        await deadLetters.publish(record, groupId, { code: outcome.code, reason: outcome.reason });
        metrics.deadLettered.inc({ ...labels, code: outcome.code });
        log.warn(
          { topic, partition, offset, code: outcome.code, reason: outcome.reason },
          'poison record sent to the dead-letter topic',
        );
        break;
      case 'stop':
        log.error(
          { topic, partition, offset, reason: outcome.reason },
          'handler asked to stop; the record stays uncommitted',
        );
        stopRequest = { reason: 'handler', message: outcome.reason, topic, partition, offset };
        return 'stop';
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown handler outcome ${JSON.stringify(unknown)}`);
      }
    }
    metrics.processed.inc(labels);
    metrics.processingSeconds.observe(labels, (performance.now() - started) / 1000);
    return 'handled';
  };

  /** Runs `once` until it succeeds, retrying with backoff (and heartbeats) while the partition is ours. */
  const withRetries = async <T>(
    topic: string,
    partition: number,
    offset: string,
    batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
    once: (attempt: number) => Promise<T>,
  ): Promise<T | 'abandoned'> => {
    const keepGoing = () => !halted && batch.isRunning() && !batch.isStale();
    for (let n = 1; ; n++) {
      try {
        return await once(n);
      } catch (error) {
        if (!keepGoing() || error instanceof PartitionFencedError) return 'abandoned';
        const delayMs = backoffDelay(backoff, n, random);
        metrics.retries.inc({ group: groupId, topic });
        log.warn(
          { err: error, topic, partition, offset, attempt: n, delayMs },
          'handling failed; retrying the same record after a backoff',
        );
        if (!(await waitWithHeartbeats(delayMs, batch.heartbeat, keepGoing))) return 'abandoned';
      }
    }
  };

  const attempt = async (
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<Attempted> => {
    const started = performance.now();
    return withRetries(topic, partition, message.offset, batch, async (n) => {
      const record = recordOf(topic, partition, message, n);
      return conclude(record, await handle!(record), started);
    });
  };

  /**
   * Throws `PartitionFencedError` unless this member still owns the batch's partition. While
   * a batch is in hand, heartbeats go on in the background (its handler may wait on slow
   * stores for longer than a session); `fenced` is set once one of them is refused.
   */
  const ownership = (batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>) => {
    let fenced: string | undefined;
    const beat = async () => {
      try {
        // Throttled by kafkajs to one request per heartbeat interval; throws while rebalancing.
        await batch.heartbeat();
      } catch (error) {
        fenced ??= `heartbeat refused (${error instanceof Error ? error.message : String(error)})`;
      }
    };
    const assertOwned = async () => {
      if (halted || !batch.isRunning()) throw new PartitionFencedError('the consumer is stopping');
      if (batch.isStale()) throw new PartitionFencedError('the partition was reassigned');
      await beat();
      if (fenced) throw new PartitionFencedError(fenced);
      const silentMs = Date.now() - lastHeartbeatAt;
      if (silentMs > sessionTimeoutMs / 2) {
        throw new PartitionFencedError(`no heartbeat acknowledged for ${silentMs} ms`);
      }
    };
    return { assertOwned, beat };
  };

  /**
   * Whole batches: up to `maxBatchRecords` records go to the handler at once; their offsets
   * are released once the handler answered for all of them and dead letters are published.
   */
  const inBatches = async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const size = Math.max(1, options.maxBatchRecords ?? 500);
    const { assertOwned, beat } = ownership(payload);
    for (let from = 0; from < batch.messages.length; from += size) {
      if (halted || !isRunning() || isStale()) return;
      const messages = batch.messages.slice(from, from + size);
      const started = performance.now();
      const answered = await withRetries(batch.topic, batch.partition, messages[0]!.offset, payload, async (n) => {
        const records = messages.map((m) => recordOf(batch.topic, batch.partition, m, n));
        const beating = setInterval(() => void beat(), heartbeatIntervalMs);
        const outcomes = await options.handleBatch!({
          topic: batch.topic,
          partition: batch.partition,
          records,
          assertOwned,
        }).finally(() => clearInterval(beating));
        if (outcomes.length !== records.length) {
          throw new Error(`the batch handler answered ${outcomes.length} outcomes for ${records.length} records`);
        }
        // Dead letters are published before any offset is released; should that fail, the
        // batch is retried whole (its handler is idempotent).
        const concluded: IncomingRecord[] = [];
        for (const [index, record] of records.entries()) {
          if ((await conclude(record, outcomes[index]!, started)) === 'stop') return { concluded, stop: true };
          concluded.push(record);
        }
        return { concluded, stop: false };
      });
      if (answered === 'abandoned') return;
      const last = answered.concluded.at(-1);
      if (last) {
        resolveOffset(last.offset);
        lag.processed(batch.topic, batch.partition, last.offset);
      }
      if (answered.stop) return haltOnStop();
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };

  const haltOnStop = () => {
    halted = true;
    // Not awaited: disconnecting waits for this very batch to return.
    setImmediate(() => {
      void shutdown().then(() => settle(stopRequest ?? { reason: 'requested' }));
    });
  };

  /** Strict partition order: one record at a time. */
  const inOrder = async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    for (const message of batch.messages) {
      // Returning without resolving leaves the record (and all after it) for the next owner
      // of the partition, or for this consumer after a restart: it is never skipped.
      if (halted || !isRunning() || isStale()) return;
      const result = await attempt(batch.topic, batch.partition, message, payload);
      if (result === 'stop') return haltOnStop();
      if (result === 'abandoned') return;
      resolveOffset(message.offset);
      lag.processed(batch.topic, batch.partition, message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };

  /**
   * Key order: the records of one key in turn, up to `keysConsumedConcurrently` keys at once.
   * An offset is released only once every record before it is handled too, so a crash
   * replays (never skips) whatever was in flight, and a record stuck in retries holds back
   * the commit, not the other keys.
   */
  const byKey = async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { messages } = batch;
    const lanes = new Map<string, number[]>();
    messages.forEach((message, index) => {
      // Records without a key share one lane: their relative order is all they have.
      const key = message.key === null ? '' : `k${message.key.toString('base64')}`;
      lanes.set(key, [...(lanes.get(key) ?? []), index]);
    });
    const waiting = [...lanes.values()];
    const handled = new Array<boolean>(messages.length).fill(false);
    let released = 0;
    let interrupted: Attempted | undefined;
    const release = () => {
      let last: KafkaMessage | undefined;
      while (released < messages.length && handled[released]) last = messages[released++];
      if (!last) return false;
      resolveOffset(last.offset);
      lag.processed(batch.topic, batch.partition, last.offset);
      return true;
    };
    const worker = async () => {
      for (let lane = waiting.shift(); lane; lane = waiting.shift()) {
        for (const index of lane) {
          if (interrupted || halted || !isRunning() || isStale()) return;
          const result = await attempt(batch.topic, batch.partition, messages[index]!, payload);
          if (result !== 'handled') {
            interrupted ??= result;
            return;
          }
          handled[index] = true;
          if (release()) await commitOffsetsIfNecessary();
          await heartbeat();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(keyConcurrency, lanes.size) }, worker));
    if (interrupted === 'stop') haltOnStop();
  };

  const eachBatch = async (payload: EachBatchPayload) => {
    lag.highWatermark(payload.batch.topic, payload.batch.partition, payload.batch.highWatermark);
    if (options.handleBatch) await inBatches(payload);
    else await (keyConcurrency > 1 ? byKey(payload) : inOrder(payload));
  };

  const refreshLag = async () => {
    const assigned = lag.assignment();
    if (assigned.size === 0) return;
    const committed = await admin.fetchOffsets({ groupId, topics: [...assigned.keys()] });
    for (const topic of assigned.keys()) {
      const bounds = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      lag.refreshed(
        topic,
        new Map(bounds.map((b) => [b.partition, { low: b.low, high: b.high }])),
        new Map(mine.map((p) => [p.partition, p.offset])),
      );
    }
  };

  let lagTimer: NodeJS.Timeout | undefined;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      halted = true;
      ready = false;
      abort.abort();
      if (lagTimer) clearInterval(lagTimer);
      await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
      await deadLetters
        .disconnect()
        .catch((err: unknown) => log.warn({ err }, 'dead-letter producer disconnect failed'));
      await admin.disconnect().catch(() => undefined);
      lag.clear();
      log.info('consumer stopped');
    })();
    return shuttingDown;
  };

  await admin.connect();
  // A restarted instance need not wait a session timeout for its dead self (predecessors.ts).
  await removePredecessors(kafka, groupId, log);
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatchAutoResolve: false,
    autoCommit: true,
    autoCommitInterval: options.commitIntervalMs ?? 1_000,
    eachBatch,
  });

  const lagRefreshMs = options.lagRefreshMs ?? 10_000;
  if (lagRefreshMs > 0) {
    lagTimer = setInterval(() => {
      refreshLag().catch((err: unknown) => log.debug({ err }, 'could not refresh consumer lag'));
    }, lagRefreshMs);
    lagTimer.unref();
  }

  return {
    groupId,
    isReady: () => ready && !halted,
    stopped,
    async stop() {
      await shutdown();
      settle({ reason: 'requested' });
    },
  };
}
