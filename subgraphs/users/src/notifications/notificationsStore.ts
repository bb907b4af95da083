import type { CqlClient, TimeKey } from '@verograph/subgraph-kit';
import { rows, text, timestamp } from '@verograph/subgraph-kit';

export type NotificationKind =
  'POST_LOVED' | 'POST_COMMENTED' | 'FOLLOWED' | 'CONNECTION_REQUESTED' | 'CONNECTION_ACCEPTED';

/** One row of `notifications_by_recipient`, as the notifications projector wrote it. */
export interface NotificationRow {
  readonly __typename: 'Notification';
  readonly recipientId: string;
  readonly key: TimeKey;
  readonly kind: NotificationKind;
  readonly actorId: string;
  readonly postId: string | undefined;
  readonly occurredAt: Date;
}

/** Reads of one recipient's notifications partition (newest first) and read marker. */
export interface NotificationsStore {
  /** Rows strictly older than `after` (the whole partition from the newest when undefined). */
  page(recipientId: string, after: TimeKey | undefined, limit: number): Promise<NotificationRow[]>;
  /** Rows strictly newer than `marker` (all when undefined), newest first, at most `limit`. */
  newerThan(recipientId: string, marker: TimeKey | undefined, limit: number): Promise<NotificationRow[]>;
  /** Whether a row with this key is in the recipient's partition. */
  has(recipientId: string, key: TimeKey): Promise<boolean>;
  marker(recipientId: string): Promise<TimeKey | undefined>;
}

const COLUMNS = 'recipient_id, occurred_at, notification_id, kind, actor_id, post_id';

function rowOf(r: { get(name: string): unknown }): NotificationRow {
  const occurredAt = timestamp(r.get('occurred_at'));
  const postId = text(r.get('post_id'));
  return {
    __typename: 'Notification',
    recipientId: text(r.get('recipient_id')),
    key: { t: occurredAt.getTime(), id: text(r.get('notification_id')) },
    kind: text(r.get('kind')) as NotificationKind,
    actorId: text(r.get('actor_id')),
    postId: postId === '' ? undefined : postId,
    occurredAt,
  };
}

export function createNotificationsStore(client: CqlClient): NotificationsStore {
  return {
    async page(recipientId, after, limit) {
      const found = after
        ? await rows(
            client,
            `SELECT ${COLUMNS} FROM notifications_by_recipient
             WHERE recipient_id = ? AND (occurred_at, notification_id) < (?, ?) LIMIT ?`,
            [recipientId, new Date(after.t), after.id, limit],
          )
        : await rows(client, `SELECT ${COLUMNS} FROM notifications_by_recipient WHERE recipient_id = ? LIMIT ?`, [
            recipientId,
            limit,
          ]);
      return found.map(rowOf);
    },

    async newerThan(recipientId, marker, limit) {
      if (!marker) return this.page(recipientId, undefined, limit);
      const found = await rows(
        client,
        `SELECT ${COLUMNS} FROM notifications_by_recipient
         WHERE recipient_id = ? AND (occurred_at, notification_id) > (?, ?) LIMIT ?`,
        [recipientId, new Date(marker.t), marker.id, limit],
      );
      return found.map(rowOf);
    },

    async has(recipientId, key) {
      const found = await rows(
        client,
        `SELECT notification_id FROM notifications_by_recipient
         WHERE recipient_id = ? AND occurred_at = ? AND notification_id = ?`,
        [recipientId, new Date(key.t), key.id],
      );
      return found.length > 0;
    },

    async marker(recipientId) {
      const found = await rows(
        client,
        'SELECT read_up_to_time, read_up_to_id FROM notification_read_markers WHERE recipient_id = ?',
        [recipientId],
      );
      const row = found[0];
      const time = row?.get('read_up_to_time');
      return row && time instanceof Date ? { t: time.getTime(), id: text(row.get('read_up_to_id')) } : undefined;
    },
  };
}
