import { describe, expect, it } from 'vitest';

import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { events } from '../testing/events.ts';
import type { AudienceDoc, PostDoc, UserDoc } from './searchDocs.ts';
import { searchChangesFor } from './searchDocs.ts';

/** The search read model as plain maps, evolved by the same pure changes the projector writes. */
function project(...stream: ProjectedEvent[]) {
  const docs = {
    users: new Map<string, object>(),
    posts: new Map<string, object>(),
    audiences: new Map<string, object>(),
  };
  for (const event of stream) {
    for (const change of searchChangesFor(event)) {
      const evolve = change.evolve as (doc: object | undefined) => object;
      docs[change.target].set(change.id, evolve(docs[change.target].get(change.id)));
    }
  }
  return {
    user: (id: string) => docs.users.get(id) as UserDoc | undefined,
    post: (id: string) => docs.posts.get(id) as PostDoc | undefined,
    audience: (id: string) => docs.audiences.get(id) as AudienceDoc | undefined,
    all: () => JSON.stringify([...docs.users, ...docs.posts, ...docs.audiences]),
  };
}

const at = new Date('2025-03-01T12:00:00Z');

describe('user documents', () => {
  it('takes the names of the latest profile and keeps the creation time', () => {
    const created = events.profileCreated('u1', 'alice', 'Alice', at);
    const updated = events.profileUpdated('u1', 'alice2', 'Alice Two', new Date(at.getTime() + 60_000));
    expect(project(created, updated).user('u1')).toEqual({
      id: 'u1',
      username: 'alice2',
      display_name: 'Alice Two',
      created_at: at.toISOString(),
    });
  });
});

describe('post documents', () => {
  const created = events.postCreated({ postId: 'p1', authorId: 'a', audience: 'FRIENDS', createdAt: at, tags: ['x'] });
  const deleted = events.postDeleted({ postId: 'p1', authorId: 'a', createdAt: at });

  it('indexes what search and its visibility filter need', () => {
    expect(project(created).post('p1')).toEqual({
      id: 'p1',
      author_id: 'a',
      kind: 'TEXT',
      audience: 'FRIENDS',
      caption: 'caption of p1',
      tags: ['x'],
      created_at: at.toISOString(),
      deleted: false,
    });
  });

  it('leaves a tombstone with no text on delete, which a replayed PostCreated does not revive', () => {
    expect(project(created, deleted).post('p1')).toEqual({ id: 'p1', author_id: 'a', deleted: true });
    expect(project(created, deleted, created).post('p1')).toEqual({ id: 'p1', author_id: 'a', deleted: true });
  });
});

describe('audience documents', () => {
  it('lists, per viewer, the authors admitting them at each audience', () => {
    const model = project(
      events.followed('v', 'a1'),
      events.connectionAccepted('a2', 'v', 'CLOSE_FRIEND', 'ACQUAINTANCE'),
      events.connectionAccepted('v', 'a3', 'FRIEND', 'FRIEND'),
      events.connectionAccepted('a4', 'v', 'ACQUAINTANCE', 'FRIEND'),
    );
    expect(model.audience('v')).toEqual({
      viewer_id: 'v',
      follows: ['a1'],
      connected: ['a2', 'a3', 'a4'],
      friend_of: ['a2', 'a3'],
      close_friend_of: ['a2'],
    });
    // The other direction: a2 is filed ACQUAINTANCE by v; a3 FRIEND by v.
    expect(model.audience('a2')).toMatchObject({ connected: ['v'], friend_of: [], close_friend_of: [] });
    expect(model.audience('a3')).toMatchObject({ connected: ['v'], friend_of: ['v'], close_friend_of: [] });
  });

  it('moves an author between lists when a level changes, and drops them all when disconnected', () => {
    const accepted = events.connectionAccepted('a', 'v', 'FRIEND', 'FRIEND');
    const promoted = events.connectionLevelSet('a', 'v', 'CLOSE_FRIEND');
    expect(project(accepted, promoted).audience('v')).toMatchObject({
      connected: ['a'],
      friend_of: ['a'],
      close_friend_of: ['a'],
    });
    const demoted = events.connectionLevelSet('a', 'v', 'ACQUAINTANCE');
    expect(project(accepted, promoted, demoted).audience('v')).toMatchObject({
      connected: ['a'],
      friend_of: [],
      close_friend_of: [],
    });
    const removed = events.connectionRemoved('v', 'a');
    expect(project(accepted, promoted, removed).audience('v')).toMatchObject({
      connected: [],
      friend_of: [],
      close_friend_of: [],
    });
  });

  it('never connects a pair through a level change alone', () => {
    expect(project(events.connectionLevelSet('a', 'v', 'CLOSE_FRIEND')).audience('v')).toMatchObject({
      connected: [],
      close_friend_of: [],
    });
  });

  it('drops an author from follows on unfollow', () => {
    expect(project(events.followed('v', 'a'), events.unfollowed('v', 'a')).audience('v')?.follows).toEqual([]);
  });
});

describe('replays', () => {
  it('replaying the same events twice gives the same documents', () => {
    const stream = [
      events.profileCreated('u', 'u', 'U', at),
      events.followed('v', 'u'),
      events.connectionAccepted('u', 'v', 'FRIEND', 'CLOSE_FRIEND'),
      events.connectionLevelSet('u', 'v', 'CLOSE_FRIEND'),
      events.postCreated({ postId: 'p', authorId: 'u', audience: 'FOLLOWERS', createdAt: at }),
      events.postDeleted({ postId: 'p', authorId: 'u', createdAt: at }),
      events.unfollowed('v', 'u'),
    ];
    expect(project(...stream, ...stream).all()).toEqual(project(...stream).all());
  });
});
