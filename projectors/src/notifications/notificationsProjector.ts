import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import type { NotificationUpdatesSink } from './notificationUpdates.ts';
import { nextMarker, notificationsPlan, postToNotifyAbout, type Notification } from './notificationsPlan.ts';
import type { NotificationsStore } from './notificationsStore.ts';

export interface NotificationsDeps {
  readonly store: NotificationsStore;
  readonly updates: NotificationUpdatesSink;
}

/**
 * The notifications projector: `notifications_by_recipient` and the read markers, from users
 * and posts events; each new notification also goes live on notification.updates.
 */
export function createNotificationsProjector(deps: NotificationsDeps, groupId = 'projectors.notifications'): Projector {
  return {
    name: 'notifications',
    groupId,
    streams: ['users', 'posts'],
    // Notifications are upserts by their own id; a user's read markers come on that user's key.
    keyOrderSuffices: true,
    handle: (event, context) => handleNotificationsEvent(event, deps, context),
  };
}

export function handleNotificationsEvent(
  projected: ProjectedEvent,
  deps: NotificationsDeps,
  context: DeliveryContext,
): Promise<HandlerOutcome> {
  return applying(async () => {
    const postId = postToNotifyAbout(projected);
    const author = postId === undefined ? undefined : await deps.store.postAuthor(postId);
    const written: Notification[] = [];
    for (const change of notificationsPlan(projected, author)) {
      if (change.type === 'notify') {
        await deps.store.write(change.notification);
        written.push(change.notification);
      } else {
        // A user's marks share the user's key on users.events, so they arrive in order and
        // this read-then-write cannot race with another mark of the same user.
        const next = nextMarker(await deps.store.readMarker(change.recipientId), change.upTo);
        if (next) await deps.store.writeMarker(change.recipientId, next);
      }
    }
    // Published after the row is written: a subscriber that queries on delivery finds it.
    // A redelivered event publishes again with the same event id; the gateway drops repeats.
    await deps.updates.publish(written, context.traceHeaders);
    if (written.length > 0) context.log.debug({ recipients: written.map((n) => n.recipientId) }, 'notified');
  });
}
