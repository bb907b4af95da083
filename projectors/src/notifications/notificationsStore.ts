import type cassandra from 'cassandra-driver';

import type { Notification, ReadMarker } from './notificationsPlan.ts';

const PREPARED = { prepare: true } as const;

/** The notifications projector's Cassandra edge. */
export interface NotificationsStore {
  /** The author of a post in the system of record; undefined when it is unknown or deleted. */
  postAuthor(postId: string): Promise<string | undefined>;
  /** Upserts one notification, keyed by (recipient, time, event id). */
  write(notification: Notification): Promise<void>;
  readMarker(recipientId: string): Promise<ReadMarker | undefined>;
  writeMarker(recipientId: string, marker: ReadMarker): Promise<void>;
  clear(): Promise<void>;
}

export function createNotificationsStore(client: cassandra.Client): NotificationsStore {
  return {
    async postAuthor(postId) {
      const row = (
        await client.execute('SELECT author_id, deleted FROM posts WHERE id = ?', [postId], PREPARED)
      ).first();
      if (!row || row.get('deleted') === true) return undefined;
      return (row.get('author_id') as string | null) ?? undefined;
    },

    async write(n) {
      await client.execute(
        `INSERT INTO notifications_by_recipient (recipient_id, occurred_at, notification_id, kind, actor_id, post_id)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [n.recipientId, n.occurredAt, n.notificationId, n.kind, n.actorId, n.postId ?? null],
        PREPARED,
      );
    },

    async readMarker(recipientId) {
      const row = (
        await client.execute(
          'SELECT read_up_to_time, read_up_to_id FROM notification_read_markers WHERE recipient_id = ?',
          [recipientId],
          PREPARED,
        )
      ).first();
      const time = row?.get('read_up_to_time') as Date | null | undefined;
      return time ? { time, id: String(row!.get('read_up_to_id') ?? '') } : undefined;
    },

    async writeMarker(recipientId, marker) {
      await client.execute(
        'INSERT INTO notification_read_markers (recipient_id, read_up_to_time, read_up_to_id) VALUES (?, ?, ?)',
        [recipientId, marker.time, marker.id],
        PREPARED,
      );
    },

    async clear() {
      await client.execute('TRUNCATE notifications_by_recipient');
      await client.execute('TRUNCATE notification_read_markers');
    },
  };
}
