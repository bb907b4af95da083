import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { FeedUpdateKind, FeedUpdateSchema, type FeedUpdate } from '@verograph/contracts/live/v1/updates';
import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';

import type { FeedRow } from './feedPlan.ts';

export { FeedUpdateKind };

/** Where live feed updates go: feed.updates in production, nowhere during a rebuild. */
export interface FeedUpdatesSink {
  /** `headers` carry the trace context of the event that caused the updates. */
  publish(updates: readonly FeedUpdate[], headers?: Readonly<Record<string, string>>): Promise<void>;
}

/** One FeedUpdate per changed timeline row; the event id lets subscribers drop repeats. */
export function feedUpdatesFor(
  rows: readonly FeedRow[],
  kind: FeedUpdateKind,
  cause: { readonly eventId: string; readonly occurredAt: Date },
): FeedUpdate[] {
  return rows.map((row) =>
    create(FeedUpdateSchema, {
      recipientId: row.viewerId,
      kind,
      postId: row.postId,
      authorId: row.authorId,
      occurredAt: timestampFromDate(cause.occurredAt),
      eventId: cause.eventId,
    }),
  );
}

/** Publishes to the feed updates topic, keyed by recipient so one viewer's updates stay in order. */
export function createFeedUpdatesPublisher(producer: MessageProducer, topic: string, chunk = 2000): FeedUpdatesSink {
  return {
    async publish(updates, headers = {}) {
      for (let i = 0; i < updates.length; i += chunk) {
        const records: OutgoingRecord[] = updates.slice(i, i + chunk).map((u) => ({
          topic,
          key: u.recipientId,
          value: toBinary(FeedUpdateSchema, u),
          headers,
        }));
        await producer.send(records);
      }
    },
  };
}

/** A sink that drops everything: rebuilds restore read models, they do not replay live news. */
export const discardFeedUpdates: FeedUpdatesSink = { publish: async () => {} };
