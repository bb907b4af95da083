import { describe, expect, it } from 'vitest';

import { events } from '../testing/events.ts';
import { collectionsOpsFor } from './collectionsPlan.ts';

const at = new Date('2025-02-01T08:00:00Z');

describe('collections read model operations', () => {
  it('upserts a collection with the times of the event', () => {
    expect(collectionsOpsFor(events.collectionCreated('c1', 'owner', 'Books', at))).toEqual([
      { op: 'upsertCollection', id: 'c1', ownerId: 'owner', title: 'Books', description: 'about Books', createdAt: at },
    ]);
  });

  it('upserts and deletes items by (collection, post)', () => {
    expect(collectionsOpsFor(events.postAddedToCollection('c1', 'p1', 3, at))).toEqual([
      { op: 'upsertItem', collectionId: 'c1', postId: 'p1', position: 3n, addedAt: at },
    ]);
    expect(collectionsOpsFor(events.postRemovedFromCollection('c1', 'p1'))).toMatchObject([
      { op: 'deleteItem', collectionId: 'c1', postId: 'p1' },
    ]);
  });

  it('records post audiences and marks deletions', () => {
    expect(
      collectionsOpsFor(events.postCreated({ postId: 'p', authorId: 'a', audience: 'ACQUAINTANCES', createdAt: at })),
    ).toEqual([{ op: 'upsertPostAudience', postId: 'p', authorId: 'a', audience: 'ACQUAINTANCES' }]);
    expect(collectionsOpsFor(events.postDeleted({ postId: 'p', authorId: 'a', createdAt: at }))).toEqual([
      { op: 'markPostDeleted', postId: 'p', authorId: 'a' },
    ]);
  });

  it('grants follow the audience rule: who follows whom, and how the author files the viewer', () => {
    expect(collectionsOpsFor(events.followed('v', 'a'))).toEqual([
      { op: 'setGrant', authorId: 'a', viewerId: 'v', follows: true },
    ]);
    expect(collectionsOpsFor(events.connectionAccepted('r', 'x', 'CLOSE_FRIEND', 'ACQUAINTANCE'))).toEqual([
      { op: 'setGrant', authorId: 'r', viewerId: 'x', level: 'CLOSE_FRIEND' },
      { op: 'setGrant', authorId: 'x', viewerId: 'r', level: 'ACQUAINTANCE' },
    ]);
    expect(collectionsOpsFor(events.connectionLevelSet('a', 'v', 'FRIEND'))).toEqual([
      { op: 'setGrant', authorId: 'a', viewerId: 'v', level: 'FRIEND', onlyIfConnected: true },
    ]);
    expect(collectionsOpsFor(events.connectionRemoved('a', 'v'))).toEqual([
      { op: 'setGrant', authorId: 'a', viewerId: 'v', level: null },
      { op: 'setGrant', authorId: 'v', viewerId: 'a', level: null },
    ]);
  });

  it('does nothing for events that do not touch the model', () => {
    expect(collectionsOpsFor(events.postLoved('p', 'u', 1))).toEqual([]);
    expect(collectionsOpsFor(events.profileCreated('u', 'u'))).toEqual([]);
  });
});
