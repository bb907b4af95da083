import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  NotificationKind as ProtoKind,
  NotificationUpdateSchema,
  type NotificationUpdate,
} from '@verograph/contracts/live/v1/updates';
import type { MessageProducer } from '@verograph/messaging';

import type { Notification, NotificationKind } from './notificationsPlan.ts';

const kinds: Record<NotificationKind, ProtoKind> = {
  POST_LOVED: ProtoKind.POST_LOVED,
  POST_COMMENTED: ProtoKind.POST_COMMENTED,
  FOLLOWED: ProtoKind.FOLLOWED,
  CONNECTION_REQUESTED: ProtoKind.CONNECTION_REQUESTED,
  CONNECTION_ACCEPTED: ProtoKind.CONNECTION_ACCEPTED,
};

/** Where live notifications go: notification.updates in production, nowhere during a rebuild. */
export interface NotificationUpdatesSink {
  publish(notifications: readonly Notification[], headers?: Readonly<Record<string, string>>): Promise<void>;
}

export function notificationUpdateFor(n: Notification): NotificationUpdate {
  return create(NotificationUpdateSchema, {
    recipientId: n.recipientId,
    kind: kinds[n.kind],
    actorId: n.actorId,
    postId: n.postId ?? '',
    occurredAt: timestampFromDate(n.occurredAt),
    eventId: n.notificationId,
  });
}

/** Keyed by recipient, so one viewer's notifications stay in order (as feed.updates). */
export function createNotificationUpdatesPublisher(producer: MessageProducer, topic: string): NotificationUpdatesSink {
  return {
    async publish(notifications, headers = {}) {
      if (notifications.length === 0) return;
      await producer.send(
        notifications.map((n) => ({
          topic,
          key: n.recipientId,
          value: toBinary(NotificationUpdateSchema, notificationUpdateFor(n)),
          headers,
        })),
      );
    },
  };
}

/** Rebuilds restore the read model; they do not replay live news. */
export const discardNotificationUpdates: NotificationUpdatesSink = { publish: async () => {} };
