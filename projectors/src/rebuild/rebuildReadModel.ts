import type { HandlerOutcome, IncomingRecord } from '@verograph/messaging';
import { runConsumer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';

import type { BuiltProjector } from '../buildProjector.ts';
import { recordHandlerFor } from '../consumer/recordHandler.ts';
import type { StreamTopics } from '../events/projectedEvent.ts';

export interface RebuildOptions {
  readonly kafka: Kafka;
  readonly built: BuiltProjector;
  readonly topics: StreamTopics;
  readonly logger: Logger;
  readonly deadLetterTopic?: string;
  /** Where the run's consumer metrics go (a throwaway registry by default). */
  readonly metrics?: Registry;
  readonly partitionsConcurrently?: number;
  /** The rebuild's own consumer group; a fresh one by default, so it reads from the beginning. */
  readonly groupId?: string;
}

export interface RebuildReport {
  readonly groupId: string;
  readonly records: number;
  readonly millis: number;
}

/** A read model to rebuild: what empties it, and the handler its topics are replayed through. */
export interface Replay {
  readonly name: string;
  readonly topics: readonly string[];
  readonly handle: (record: IncomingRecord) => Promise<HandlerOutcome>;
  readonly clear: () => Promise<void>;
  /** The group the live projection uses: the rebuild's own group is named after it. */
  readonly liveGroupId: string;
}

export interface ReplayOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly deadLetterTopic?: string;
  readonly metrics?: Registry;
  readonly partitionsConcurrently?: number;
  readonly groupId?: string;
}

/**
 * Rebuilds a read model from the event log: empties it, then reads the projector's topics from
 * the beginning with a fresh consumer group, through the same handler as live projection, up to
 * the log ends as they were when the rebuild started. Live projectors may keep running meanwhile:
 * every handler is idempotent, so events they apply twice change nothing.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildReport> {
  const { built } = options;
  const { projector } = built;
  const clear = built.clear;
  if (!clear) throw new Error(`the ${projector.name} projector builds no read model to rebuild`);
  return replayIntoReadModel(
    {
      name: projector.name,
      topics: projector.streams.map((s) => options.topics[s]),
      handle: recordHandlerFor(projector, options.topics, options.logger),
      clear,
      liveGroupId: projector.groupId,
    },
    options,
  );
}

/**
 * The rebuild itself, for any read model fed from Kafka (the event projectors', and the insights
 * read model fed from the insights job's result topics): clear, replay from the low watermarks
 * to the log ends of the start, with a group of its own that is deleted afterwards.
 */
export async function replayIntoReadModel(replay: Replay, options: ReplayOptions): Promise<RebuildReport> {
  const { kafka, logger } = options;
  const started = Date.now();
  const groupId = options.groupId ?? `${replay.liveGroupId}.rebuild.${started}`;

  const admin = kafka.admin();
  await admin.connect();
  try {
    // What must be handled: every partition from its low watermark up to today's end.
    const remaining = new Map<string, bigint>();
    for (const topic of replay.topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high) - 1n);
      }
    }
    await replay.clear();
    logger.info({ readModel: replay.name, groupId, partitions: remaining.size }, 'read model cleared; replaying');
    if (remaining.size === 0) return { groupId, records: 0, millis: Date.now() - started };

    let records = 0;
    let caughtUp: () => void = () => {};
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    // Records handled in the batch of each partition now in hand (a partition's batches come in turn).
    const inBatch = new Map<string, number>();
    const handle = async (record: IncomingRecord): Promise<HandlerOutcome> => {
      const outcome = await replay.handle(record);
      records++;
      const key = `${record.topic}:${record.partition}`;
      inBatch.set(key, (inBatch.get(key) ?? 0) + 1);
      return outcome;
    };
    // A partition is caught up once a batch reaching its end was handled whole. Not by the last
    // record's offset: on a transactional topic (the insights job's results) a log ends with a
    // commit marker, an offset that no handler sees; a batch that holds it ends there.
    const batchDone = (batch: { topic: string; partition: number; lastOffset: string; records: number }) => {
      const key = `${batch.topic}:${batch.partition}`;
      const handled = inBatch.get(key) ?? 0;
      inBatch.delete(key);
      const last = remaining.get(key);
      if (last === undefined || handled !== batch.records || BigInt(batch.lastOffset) < last) return;
      remaining.delete(key);
      if (remaining.size === 0) caughtUp();
    };

    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [...replay.topics],
      handle,
      logger,
      metrics: options.metrics ?? new Registry(),
      fromBeginning: true,
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 4,
      lagRefreshMs: 0,
      onBatchDone: batchDone,
      ...(options.deadLetterTopic ? { deadLetterTopic: options.deadLetterTopic } : {}),
    });
    const ended = await Promise.race([done.then(() => 'caught-up' as const), consumer.stopped]);
    await consumer.stop();
    if (ended !== 'caught-up') {
      throw new Error(`the rebuild of ${replay.name} stopped before catching up: ${JSON.stringify(ended)}`);
    }
    // The group was only a cursor for this run; leaving it would show as a lagging consumer forever.
    await admin
      .deleteGroups([groupId])
      .catch((err: unknown) => logger.warn({ err, groupId }, 'could not delete the rebuild group'));
    return { groupId, records, millis: Date.now() - started };
  } finally {
    await admin.disconnect();
  }
}
