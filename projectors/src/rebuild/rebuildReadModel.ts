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

/**
 * Rebuilds a read model from the event log: empties it, then reads the projector's topics from
 * the beginning with a fresh consumer group, through the same handler as live projection, up to
 * the log ends as they were when the rebuild started. Live projectors may keep running meanwhile:
 * every handler is idempotent, so events they apply twice change nothing.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildReport> {
  const { kafka, built, logger } = options;
  const { projector } = built;
  if (!built.clear) throw new Error(`the ${projector.name} projector builds no read model to rebuild`);
  const started = Date.now();
  const groupId = options.groupId ?? `${projector.groupId}.rebuild.${started}`;
  const topicNames = projector.streams.map((s) => options.topics[s]);

  const admin = kafka.admin();
  await admin.connect();
  try {
    // What must be handled: every partition from its low watermark up to today's end.
    const remaining = new Map<string, bigint>();
    for (const topic of topicNames) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high) - 1n);
      }
    }
    await built.clear();
    logger.info({ projector: projector.name, groupId, partitions: remaining.size }, 'read model cleared; replaying');
    if (remaining.size === 0) return { groupId, records: 0, millis: Date.now() - started };

    let records = 0;
    let caughtUp: () => void = () => {};
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    const inner = recordHandlerFor(projector, options.topics, logger);
    const handle = async (record: IncomingRecord): Promise<HandlerOutcome> => {
      const outcome = await inner(record);
      records++;
      const key = `${record.topic}:${record.partition}`;
      const last = remaining.get(key);
      if (last !== undefined && BigInt(record.offset) >= last) {
        remaining.delete(key);
        if (remaining.size === 0) caughtUp();
      }
      return outcome;
    };

    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: topicNames,
      handle,
      logger,
      metrics: options.metrics ?? new Registry(),
      fromBeginning: true,
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 4,
      lagRefreshMs: 0,
      ...(options.deadLetterTopic ? { deadLetterTopic: options.deadLetterTopic } : {}),
    });
    const ended = await Promise.race([done.then(() => 'caught-up' as const), consumer.stopped]);
    await consumer.stop();
    if (ended !== 'caught-up') {
      throw new Error(`the rebuild of ${projector.name} stopped before catching up: ${JSON.stringify(ended)}`);
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
