import { randomUUID } from 'node:crypto';

import { NotificationKind } from '@verograph/contracts/live/v1/updates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { quietContext } from '../consumer/projector.ts';
import { eventId, occurredAt, type ProjectedEvent } from '../events/projectedEvent.ts';
import { freshKeyspace, silentLogger, type TestKeyspace } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { systemOfRecord } from '../testing/systemOfRecord.ts';
import type { NotificationUpdatesSink } from './notificationUpdates.ts';
import { notificationUpdateFor } from './notificationUpdates.ts';
import type { Notification } from './notificationsPlan.ts';
import { handleNotificationsEvent, type NotificationsDeps } from './notificationsProjector.ts';
import { createNotificationsStore } from './notificationsStore.ts';

let ks: TestKeyspace;
let deps: NotificationsDeps;
const published: Notification[] = [];

beforeAll(async () => {
  ks = await freshKeyspace('notifications');
  // The sink records what would go live; the Kafka path is proved by the gateway's live spec.
  const updates: NotificationUpdatesSink = {
    publish: async (ns) => {
      published.push(...ns);
    },
  };
  deps = { store: createNotificationsStore(ks.client), updates };
});
afterAll(async () => {
  await ks?.drop();
});

async function handle(...stream: ProjectedEvent[]) {
  for (const event of stream) {
    expect(await handleNotificationsEvent(event, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });
  }
}

async function rowsOf(recipientId: string) {
  const result = await ks.client.execute(
    'SELECT occurred_at, notification_id, kind, actor_id, post_id FROM notifications_by_recipient WHERE recipient_id = ?',
    [recipientId],
  );
  return result.rows.map((r) => ({
    kind: r.get('kind') as string,
    actorId: r.get('actor_id') as string,
    postId: (r.get('post_id') as string | null) ?? undefined,
    id: r.get('notification_id') as string,
    at: (r.get('occurred_at') as Date).toISOString(),
  }));
}

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;

describe('notifications projector on Cassandra', () => {
  it('turns users and posts events into one notification each, newest first, none to yourself; replays add nothing', async () => {
    const author = id('author');
    const fan = id('fan');
    const asker = id('asker');
    const post = { postId: id('post'), authorId: author, audience: 'FOLLOWERS' as const, createdAt: new Date() };
    await systemOfRecord(ks.client).post(post);

    const stream = [
      events.followed(fan, author),
      events.postLoved(post.postId, fan, 1),
      events.postLoved(post.postId, author, 2),
      events.commentAdded(post.postId, id('comment'), fan, 1),
      events.connectionRequested(asker, author, 'FRIEND'),
      events.connectionAccepted(asker, author, 'FRIEND', 'FRIEND'),
    ];
    await handle(...stream);
    const once = await rowsOf(author);
    expect(once.map((n) => [n.kind, n.actorId, n.postId]).sort()).toEqual(
      [
        ['CONNECTION_REQUESTED', asker, undefined],
        ['FOLLOWED', fan, undefined],
        ['POST_COMMENTED', fan, post.postId],
        ['POST_LOVED', fan, post.postId],
      ].sort(),
    );
    // Newest first (then by id), each keyed by the event that caused it.
    const keys = once.map((n) => `${n.at}|${n.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const request = once.find((n) => n.kind === 'CONNECTION_REQUESTED')!;
    expect(request.id).toBe(eventId(stream[4]!));
    expect(request.at).toBe(occurredAt(stream[4]!).toISOString());
    expect((await rowsOf(asker)).map((n) => n.kind)).toEqual(['CONNECTION_ACCEPTED']);

    // Redelivered, in any order: the same rows.
    await handle(...[...stream].reverse(), ...stream);
    expect(await rowsOf(author)).toEqual(once);
    expect(new Set(published.map((n) => n.notificationId)).size).toBe(5);
  });

  it('moves the read marker forward only', async () => {
    const reader = id('reader');
    const later = new Date('2026-02-02T00:00:00.000Z');
    await handle(events.notificationsMarkedRead(reader, later, 'b'));
    await handle(events.notificationsMarkedRead(reader, new Date('2026-02-01T00:00:00.000Z'), 'z'));
    expect(await deps.store.readMarker(reader)).toEqual({ time: later, id: 'b' });
  });

  it('publishes each notification keyed by recipient as a NotificationUpdate', () => {
    const update = notificationUpdateFor({
      recipientId: 'r',
      actorId: 'a',
      kind: 'POST_LOVED',
      postId: 'p',
      occurredAt: new Date(0),
      notificationId: 'e',
    });
    expect(update).toMatchObject({
      recipientId: 'r',
      actorId: 'a',
      postId: 'p',
      eventId: 'e',
      kind: NotificationKind.POST_LOVED,
    });
  });
});
