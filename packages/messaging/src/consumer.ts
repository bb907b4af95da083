import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';

import { defaultBackoff } from './backoff.ts';
import { consumeByKey } from './consumer/byKey.ts';
import { createConsumption } from './consumer/consumption.ts';
import { consumeInBatches } from './consumer/inBatches.ts';
import { consumeInOrder } from './consumer/inOrder.ts';
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  defaultHeartbeatIntervalMs,
  type ConsumerOptions,
  type ConsumerStopped,
  type RunningConsumer,
} from './consumer/types.ts';
import { consumerMetrics } from './consumerMetrics.ts';
import { createLagTracker } from './consumerLag.ts';
import { createDeadLetterPublisher, lazyDeadLetterPublisher } from './deadLetter.ts';
import { removePredecessors } from './predecessors.ts';
import { topics as topicNames } from './topics.ts';

export * from './consumer/types.ts';

/**
 * Consumes `topics` as `groupId` with one of three strategies, each in its own file:
 * `handleBatch` hands whole batches of a partition over (consumer/inBatches.ts); `handle`
 * takes one record at a time per partition (consumer/inOrder.ts), or per key with
 * `keysConsumedConcurrently` (consumer/byKey.ts). All share this policy (consumer/consumption.ts):
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
  const { kafka, groupId, logger } = options;
  if ((options.handle === undefined) === (options.handleBatch === undefined)) {
    throw new Error(`consumer ${groupId}: give exactly one of handle and handleBatch`);
  }
  const log = logger.child({ group: groupId });
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs(sessionTimeoutMs);
  const metrics = consumerMetrics(options.metrics);
  const lag = createLagTracker(metrics.lag, groupId);

  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
    allowAutoTopicCreation: false,
  });
  const deadLetters = lazyDeadLetterPublisher(() =>
    createDeadLetterPublisher(kafka, options.deadLetterTopic ?? topicNames.deadLetter),
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
  consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
    const { topic, partition, lastOffset, batchSize } = event.payload;
    options.onBatchDone?.({ topic, partition, lastOffset, records: batchSize });
  });
  consumer.on(consumer.events.CRASH, (event) => {
    ready = false;
    log.error({ err: event.payload.error, restart: event.payload.restart }, 'the Kafka consumer crashed');
    if (!event.payload.restart) {
      halted = true;
      void shutdown().then(() => settle({ reason: 'crashed', error: event.payload.error }));
    }
  });

  const consumption = createConsumption({
    groupId,
    log,
    metrics,
    lag,
    deadLetters,
    backoff: options.backoff ?? defaultBackoff,
    random: options.random ?? Math.random,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    abort: abort.signal,
    halted: () => halted,
    lastHeartbeatAt: () => lastHeartbeatAt,
    stopFor: (why) => {
      stopRequest = why;
    },
    haltOnStop: () => {
      halted = true;
      // Not awaited: disconnecting waits for this very batch to return.
      setImmediate(() => {
        void shutdown().then(() => settle(stopRequest ?? { reason: 'requested' }));
      });
    },
  });
  const strategy = options.handleBatch
    ? consumeInBatches(consumption, options.handleBatch, options.maxBatchRecords ?? 500)
    : (options.keysConsumedConcurrently ?? 1) > 1
      ? consumeByKey(consumption, options.handle!, options.keysConsumedConcurrently!)
      : consumeInOrder(consumption, options.handle!);

  const eachBatch = async (payload: EachBatchPayload) => {
    lag.highWatermark(payload.batch.topic, payload.batch.partition, payload.batch.highWatermark);
    await strategy(payload);
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

  // Each client is its own connection (TCP, SASL/SCRAM, metadata) and none needs another: they
  // connect at once (28 sign-ins at once took 0.36 s on the local broker, one alone 15-45 ms).
  // Only the join waits until a restarted instance's dead self has left the group, so that it
  // need not wait a session timeout for it (predecessors.ts).
  await Promise.all([consumer.connect(), admin.connect().then(() => removePredecessors(kafka, admin, groupId, log))]);
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
