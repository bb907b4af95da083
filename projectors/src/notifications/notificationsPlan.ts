import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { dateOf, eventId, InvalidEventError, occurredAt, required } from '../events/projectedEvent.ts';

/** What a notification tells its recipient. */
export type NotificationKind =
  'POST_LOVED' | 'POST_COMMENTED' | 'FOLLOWED' | 'CONNECTION_REQUESTED' | 'CONNECTION_ACCEPTED';

/** One row of `notifications_by_recipient`. */
export interface Notification {
  readonly recipientId: string;
  readonly occurredAt: Date;
  /** The id of the event that caused it: a redelivered event lands on the same row. */
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly actorId: string;
  readonly postId?: string | undefined;
}

/** Every notification at or before (time, id), in the partition's order, is read. */
export interface ReadMarker {
  readonly time: Date;
  readonly id: string;
}

/** What one event changes in the notifications read model. */
export type NotificationsChange =
  | { readonly type: 'notify'; readonly notification: Notification }
  | { readonly type: 'markRead'; readonly recipientId: string; readonly upTo: ReadMarker };

/**
 * The post whose author an event notifies: loves and comments name the post, not its author,
 * so the adapter reads the author from the system of record before planning.
 */
export function postToNotifyAbout(projected: ProjectedEvent): string | undefined {
  if (projected.stream !== 'posts') return undefined;
  const body = projected.event.event;
  if (body.case === 'postLoved' || body.case === 'commentAdded') return required(body.value.postId, 'post_id');
  return undefined;
}

/**
 * Decides what an event changes, given the author of the post it is about (undefined when the
 * post is unknown, e.g. deleted before a replay: nobody is told about it). Nobody is notified
 * of their own act (loving or commenting on their own post).
 */
export function notificationsPlan(projected: ProjectedEvent, postAuthorId?: string): NotificationsChange[] {
  const base = () => ({ occurredAt: occurredAt(projected), notificationId: eventId(projected) });
  const notify = (
    recipientId: string,
    actorId: string,
    kind: NotificationKind,
    postId?: string,
  ): NotificationsChange[] =>
    recipientId === actorId
      ? []
      : [{ type: 'notify', notification: { ...base(), recipientId, actorId, kind, ...(postId ? { postId } : {}) } }];

  if (projected.stream === 'collections') return [];
  if (projected.stream === 'posts') {
    const body = projected.event.event;
    switch (body.case) {
      case 'postLoved':
        if (postAuthorId === undefined) return [];
        return notify(postAuthorId, required(body.value.userId, 'PostLoved.user_id'), 'POST_LOVED', body.value.postId);
      case 'commentAdded':
        if (postAuthorId === undefined) return [];
        return notify(
          postAuthorId,
          required(body.value.authorId, 'CommentAdded.author_id'),
          'POST_COMMENTED',
          body.value.postId,
        );
      default:
        return [];
    }
  }
  const body = projected.event.event;
  switch (body.case) {
    case 'followed':
      return notify(
        required(body.value.followeeId, 'Followed.followee_id'),
        required(body.value.followerId, 'Followed.follower_id'),
        'FOLLOWED',
      );
    case 'connectionRequested':
      return notify(
        required(body.value.addresseeId, 'ConnectionRequested.addressee_id'),
        required(body.value.requesterId, 'ConnectionRequested.requester_id'),
        'CONNECTION_REQUESTED',
      );
    case 'connectionAccepted':
      return notify(
        required(body.value.requesterId, 'ConnectionAccepted.requester_id'),
        required(body.value.accepterId, 'ConnectionAccepted.accepter_id'),
        'CONNECTION_ACCEPTED',
      );
    case 'notificationsMarkedRead': {
      const time = dateOf(body.value.upToTime);
      if (!time) throw new InvalidEventError('NotificationsMarkedRead has no up_to_time');
      return [
        {
          type: 'markRead',
          recipientId: required(body.value.userId, 'NotificationsMarkedRead.user_id'),
          upTo: { time, id: required(body.value.upToId, 'NotificationsMarkedRead.up_to_id') },
        },
      ];
    }
    default:
      return [];
  }
}

/** Orders two positions as the partition does, oldest first: by time, then by id. */
export function compareMarkers(a: ReadMarker, b: ReadMarker): number {
  const byTime = a.time.getTime() - b.time.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The marker after a markRead: it only moves forward, so a late or replayed mark undoes nothing. */
export function nextMarker(current: ReadMarker | undefined, upTo: ReadMarker): ReadMarker | undefined {
  return current === undefined || compareMarkers(upTo, current) > 0 ? upTo : undefined;
}

/** Whether a notification is read under a marker. */
export function isRead(notification: { occurredAt: Date; notificationId: string }, marker?: ReadMarker): boolean {
  if (!marker) return false;
  return compareMarkers({ time: notification.occurredAt, id: notification.notificationId }, marker) <= 0;
}

/** The read model as a value, for specs: rows by recipient and key, and each recipient's marker. */
export interface NotificationsModel {
  readonly rows: ReadonlyMap<string, Notification>;
  readonly markers: ReadonlyMap<string, ReadMarker>;
}

export const emptyNotificationsModel: NotificationsModel = { rows: new Map(), markers: new Map() };

/** The row's primary key, as Cassandra sees it. */
export function rowKey(n: Pick<Notification, 'recipientId' | 'occurredAt' | 'notificationId'>): string {
  return `${n.recipientId}|${n.occurredAt.toISOString()}|${n.notificationId}`;
}

/** Applies changes the way the store does (upserts by key, a forward-only marker). */
export function evolveNotifications(
  model: NotificationsModel,
  changes: readonly NotificationsChange[],
): NotificationsModel {
  const rows = new Map(model.rows);
  const markers = new Map(model.markers);
  for (const change of changes) {
    if (change.type === 'notify') {
      rows.set(rowKey(change.notification), change.notification);
    } else {
      const next = nextMarker(markers.get(change.recipientId), change.upTo);
      if (next) markers.set(change.recipientId, next);
    }
  }
  return { rows, markers };
}
