import { describe, expect, it } from 'vitest';

import { eventId, occurredAt, type ProjectedEvent } from '../events/projectedEvent.ts';
import { events } from '../testing/events.ts';
import {
  emptyNotificationsModel,
  evolveNotifications,
  isRead,
  notificationsPlan,
  postToNotifyAbout,
} from './notificationsPlan.ts';

const authors: Record<string, string> = { p1: 'author', p2: 'author' };
const plan = (e: ProjectedEvent) => notificationsPlan(e, authors[postToNotifyAbout(e) ?? '']);
const replay = (stream: readonly ProjectedEvent[], model = emptyNotificationsModel) =>
  stream.reduce((m, e) => evolveNotifications(m, plan(e)), model);

describe('notifications plan', () => {
  it('tells the post author of a love and a comment, with the actor, the post and the event as id', () => {
    const loved = events.postLoved('p1', 'fan', 1);
    expect(postToNotifyAbout(loved)).toBe('p1');
    expect(plan(loved)).toEqual([
      {
        type: 'notify',
        notification: {
          recipientId: 'author',
          actorId: 'fan',
          kind: 'POST_LOVED',
          postId: 'p1',
          occurredAt: occurredAt(loved),
          notificationId: eventId(loved),
        },
      },
    ]);
    expect(plan(events.commentAdded('p1', 'c1', 'fan', 1))).toMatchObject([
      { notification: { recipientId: 'author', actorId: 'fan', kind: 'POST_COMMENTED', postId: 'p1' } },
    ]);
  });

  it('tells the followee, the addressee of a request, and the requester once accepted; with no post', () => {
    expect(plan(events.followed('f', 'e'))).toMatchObject([
      { notification: { recipientId: 'e', actorId: 'f', kind: 'FOLLOWED' } },
    ]);
    expect(plan(events.connectionRequested('r', 'a', 'FRIEND'))).toMatchObject([
      { notification: { recipientId: 'a', actorId: 'r', kind: 'CONNECTION_REQUESTED' } },
    ]);
    const accepted = plan(events.connectionAccepted('r', 'a', 'FRIEND', 'FRIEND'));
    expect(accepted).toMatchObject([{ notification: { recipientId: 'r', actorId: 'a', kind: 'CONNECTION_ACCEPTED' } }]);
    expect(accepted[0]).not.toHaveProperty('notification.postId');
  });

  it('never notifies you of your own act, nor about a post it cannot find', () => {
    expect(plan(events.postLoved('p1', 'author', 1))).toEqual([]);
    expect(plan(events.commentAdded('p1', 'c', 'author', 1))).toEqual([]);
    expect(plan(events.postLoved('unknown-post', 'fan', 1))).toEqual([]);
  });

  it('ignores what nobody is told about', () => {
    for (const e of [
      events.postUnloved('p1', 'fan', 0),
      events.unfollowed('f', 'e'),
      events.connectionLevelSet('a', 'b', 'FRIEND'),
      events.connectionRemoved('a', 'b'),
      events.profileCreated('u', 'u'),
    ]) {
      expect(plan(e)).toEqual([]);
    }
  });

  it('moves the read marker forward only', () => {
    const later = new Date('2026-01-02T00:00:00Z');
    const earlier = new Date('2026-01-01T00:00:00Z');
    const model = replay([
      events.notificationsMarkedRead('u', later, 'b'),
      events.notificationsMarkedRead('u', earlier, 'z'),
    ]);
    expect(model.markers.get('u')).toEqual({ time: later, id: 'b' });
    expect(isRead({ occurredAt: later, notificationId: 'a' }, model.markers.get('u'))).toBe(true);
    expect(isRead({ occurredAt: later, notificationId: 'c' }, model.markers.get('u'))).toBe(false);
    expect(isRead({ occurredAt: earlier, notificationId: 'z' }, undefined)).toBe(false);
  });

  it('replaying the whole history twice gives the same read model', () => {
    const history = [
      events.followed('f', 'author'),
      events.postLoved('p1', 'fan', 1),
      events.postLoved('p1', 'author', 2),
      events.commentAdded('p2', 'c1', 'fan', 1),
      events.connectionRequested('r', 'author', 'FRIEND'),
      events.connectionAccepted('r', 'author', 'FRIEND', 'FRIEND'),
      events.notificationsMarkedRead('author', new Date(), 'x'),
    ];
    const once = replay(history);
    expect(once.rows.size).toBe(5);
    expect(replay(history, once)).toEqual(once);
  });
});
