import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import {
  EngagementUpdateSchema,
  FeedUpdateKind,
  FeedUpdateSchema,
  NotificationKind,
  NotificationUpdateSchema,
} from '@verograph/contracts/live/v1/updates';
import type { Logger } from '@verograph/service';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

import { liveStreams, type LiveStream } from './cursor.ts';
import type { LiveHub } from './liveHub.ts';
import { createReplayWindow, type LiveRecord, type ReplayWindow } from './replayWindow.ts';

/** A feed.updates record, as much as the gateway needs of it. */
export interface FeedValue {
  readonly stream: 'feed';
  readonly kind: 'POST_ADDED' | 'POST_REMOVED';
  readonly postId: string;
}

/** An engagement.updates record. */
export interface EngagementValue {
  readonly stream: 'engagement';
  readonly postId: string;
  readonly loveCount: number;
  readonly commentCount: number;
  readonly latestCommentId: string;
}

/** A notification.updates record: a notification its recipient just received. */
export interface NotificationValue {
  readonly stream: 'notification';
  readonly kind: NotificationKindName;
  readonly actorId: string;
  /** Empty for notifications about no post. */
  readonly postId: string;
  readonly occurredAt: Date;
  readonly notificationId: string;
}

export type NotificationKindName =
  'POST_LOVED' | 'POST_COMMENTED' | 'FOLLOWED' | 'CONNECTION_REQUESTED' | 'CONNECTION_ACCEPTED';

const notificationKinds: Partial<Record<NotificationKind, NotificationKindName>> = {
  [NotificationKind.POST_LOVED]: 'POST_LOVED',
  [NotificationKind.POST_COMMENTED]: 'POST_COMMENTED',
  [NotificationKind.FOLLOWED]: 'FOLLOWED',
  [NotificationKind.CONNECTION_REQUESTED]: 'CONNECTION_REQUESTED',
  [NotificationKind.CONNECTION_ACCEPTED]: 'CONNECTION_ACCEPTED',
};

export type LiveValue = FeedValue | EngagementValue | NotificationValue;

export interface LiveSource {
  /** Starts consuming (once; later calls share the first). Resolves when the replay windows know where they start. */
  ensureStarted(): Promise<void>;
  stop(): Promise<void>;
  window(stream: LiveStream): ReplayWindow<LiveValue>;
}

export interface LiveSourceOptions {
  readonly kafka: Kafka;
  /** The notification stream is read when its topic is given. */
  readonly topics: Readonly<Record<Exclude<LiveStream, 'notification'>, string>> & { readonly notification?: string };
  readonly hub: LiveHub<LiveValue>;
  readonly windowMs: number;
  readonly windowEventsPerPartition: number;
  readonly logger: Logger;
  /** Unique per instance; deleted on stop. */
  readonly groupId?: string;
  /** Counts records that could not be decoded (skipped: the gateway only reads). */
  readonly onPoison?: (stream: LiveStream) => void;
}

/**
 * One Kafka consumer per gateway instance for both live-updates topics. Its consumer group is
 * its own (unique, deleted on stop), so every instance reads every partition and serves its
 * own clients: one viewer's events are never split between instances. It starts reading
 * `windowMs` back so the replay windows can serve resumes, also right after a restart; records
 * older than its start are backlog, delivered only to subscriptions they are news to.
 */
export function createKafkaLiveSource(options: LiveSourceOptions): LiveSource {
  const { kafka, topics, hub, logger } = options;
  const groupId = options.groupId ?? `gateway.live.${hostname()}.${randomUUID()}`;
  const window = () =>
    createReplayWindow<LiveValue>({
      maxAgeMs: options.windowMs,
      maxEventsPerPartition: options.windowEventsPerPartition,
    });
  const windows: Record<LiveStream, ReplayWindow<LiveValue>> = {
    feed: window(),
    engagement: window(),
    notification: window(),
  };
  /** The streams read here, with their topics. */
  const read = liveStreams.flatMap((stream) => {
    const topic = topics[stream];
    return topic === undefined ? [] : [[stream, topic] as const];
  });
  const streamOf = new Map<string, LiveStream>(read.map(([stream, topic]) => [topic, stream]));
  /** Per stream and partition: the first offset that is news (the high watermark when we started). */
  const liveFrom: Record<LiveStream, Map<number, number>> = {
    feed: new Map(),
    engagement: new Map(),
    notification: new Map(),
  };
  let consumer: Consumer | undefined;
  let starting: Promise<void> | undefined;
  let consuming: Promise<void> | undefined;
  let stopped = false;

  const decode = (stream: LiveStream, message: KafkaMessage): LiveValue | undefined => {
    if (!message.value) return undefined;
    try {
      if (stream === 'feed') {
        const update = fromBinary(FeedUpdateSchema, message.value);
        const kind =
          update.kind === FeedUpdateKind.POST_ADDED
            ? 'POST_ADDED'
            : update.kind === FeedUpdateKind.POST_REMOVED
              ? 'POST_REMOVED'
              : undefined;
        return kind && update.postId ? { stream, kind, postId: update.postId } : undefined;
      }
      if (stream === 'notification') {
        const update = fromBinary(NotificationUpdateSchema, message.value);
        const kind = notificationKinds[update.kind];
        return kind && update.actorId && update.eventId && update.occurredAt
          ? {
              stream,
              kind,
              actorId: update.actorId,
              postId: update.postId,
              occurredAt: timestampDate(update.occurredAt),
              notificationId: update.eventId,
            }
          : undefined;
      }
      const update = fromBinary(EngagementUpdateSchema, message.value);
      return update.postId
        ? {
            stream,
            postId: update.postId,
            loveCount: Number(update.loveCount),
            commentCount: Number(update.commentCount),
            latestCommentId: update.latestCommentId,
          }
        : undefined;
    } catch {
      return undefined;
    }
  };

  const start = async (): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    const seeks: { topic: string; partition: number; offset: string }[] = [];
    try {
      const since = Date.now() - options.windowMs;
      for (const [stream, topic] of read) {
        const [starts, highs] = await Promise.all([
          admin.fetchTopicOffsetsByTimestamp(topic, since),
          admin.fetchTopicOffsets(topic),
        ]);
        for (const { partition, offset } of starts) {
          windows[stream].cover(partition, Number(offset));
          seeks.push({ topic, partition, offset });
        }
        for (const { partition, high } of highs) liveFrom[stream].set(partition, Number(high));
      }
    } finally {
      await admin.disconnect();
    }
    // Joining the group takes seconds (the broker's initial rebalance delay): it goes on in the
    // background, and what it reads is covered by the windows and delivered as it comes.
    consuming = consume(seeks).catch((error: unknown) => {
      logger.error({ err: error, groupId }, 'live updates consumer failed; the next subscription restarts it');
      starting = undefined;
    });
  };

  const consume = async (seeks: readonly { topic: string; partition: number; offset: string }[]): Promise<void> => {
    const created = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    consumer = created;
    await created.connect();
    await created.subscribe({ topics: read.map(([, topic]) => topic), fromBeginning: false });
    await created.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const stream = streamOf.get(batch.topic);
        if (!stream) return;
        const from = liveFrom[stream].get(batch.partition) ?? 0;
        for (const message of batch.messages) {
          const value = decode(stream, message);
          if (!value) {
            logger.warn(
              { topic: batch.topic, partition: batch.partition, offset: message.offset },
              'live update skipped: not decodable',
            );
            options.onPoison?.(stream);
            continue;
          }
          const offset = Number(message.offset);
          const record: LiveRecord<LiveValue> = {
            partition: batch.partition,
            offset,
            timestamp: Number(message.timestamp),
            key: message.key?.toString() ?? (value.stream === 'engagement' ? value.postId : ''),
            value,
            traceparent: message.headers?.traceparent?.toString(),
          };
          if (windows[stream].append(record)) hub.publish(stream, record, offset < from);
        }
      },
    });
    // Seeks apply when the partitions are assigned; a fresh group would otherwise start at the end.
    for (const seek of seeks) created.seek(seek);
    logger.info({ groupId, topics }, 'live updates consumer started');
  };

  return {
    ensureStarted() {
      if (stopped) return Promise.reject(new Error('the live updates consumer is stopped'));
      starting ??= start().catch((error: unknown) => {
        // The next subscription tries again: Kafka may be back by then.
        starting = undefined;
        throw error;
      });
      return starting;
    },
    async stop() {
      stopped = true;
      await starting?.catch(() => {});
      await consuming;
      const started = consumer;
      consumer = undefined;
      if (!started) return;
      await started.disconnect().catch(() => {});
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch (error) {
        logger.warn({ err: error, groupId }, 'could not delete the live consumer group; Kafka expires it');
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    window: (stream) => windows[stream],
  };
}
