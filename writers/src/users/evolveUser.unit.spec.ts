import { describe, expect, it } from 'vitest';

import { evolveUserState } from './evolveUser.ts';
import type { UserCommand, UserState } from './userModel.ts';

const accept: UserCommand = { type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: 'FRIEND' };
const follow: UserCommand = { type: 'Follow', followerId: 'alice', followeeId: 'bob' };

describe('evolveUserState', () => {
  it('leaves the connection rows as the store writes them: requested, accepted, level set, removed', () => {
    const start: UserState = { profiles: new Map(), connection: new Map() };
    const requested = evolveUserState(start, accept, {
      type: 'ConnectionRequested',
      requesterId: 'alice',
      addresseeId: 'bob',
      level: 'CLOSE_FRIEND',
    });
    expect(requested.connection).toEqual(
      new Map([
        ['alice', { state: 'OUTGOING', myLevel: 'CLOSE_FRIEND' }],
        ['bob', { state: 'INCOMING' }],
      ]),
    );
    const accepted = evolveUserState(requested, accept, {
      type: 'ConnectionAccepted',
      requesterId: 'alice',
      accepterId: 'bob',
      requesterLevel: 'CLOSE_FRIEND',
      accepterLevel: 'FRIEND',
    });
    const levelSet = evolveUserState(accepted, accept, {
      type: 'ConnectionLevelSet',
      userId: 'bob',
      otherId: 'alice',
      level: 'ACQUAINTANCE',
    });
    expect(levelSet.connection).toEqual(
      new Map([
        ['alice', { state: 'CONNECTED', myLevel: 'CLOSE_FRIEND', theirLevel: 'ACQUAINTANCE' }],
        ['bob', { state: 'CONNECTED', myLevel: 'ACQUAINTANCE', theirLevel: 'CLOSE_FRIEND' }],
      ]),
    );
    const removed = evolveUserState(levelSet, accept, { type: 'ConnectionRemoved', userId: 'bob', otherId: 'alice' });
    expect(removed.connection).toEqual(new Map());
  });

  it('follows and profiles: only the pair the command names changes its following', () => {
    const start: UserState = { profiles: new Map(), following: false };
    const followed = evolveUserState(start, follow, { type: 'Followed', followerId: 'alice', followeeId: 'bob' });
    expect(followed.following).toBe(true);
    const other = evolveUserState(followed, follow, { type: 'Unfollowed', followerId: 'alice', followeeId: 'carol' });
    expect(other.following).toBe(true);
    const profile = { username: 'alice', displayName: 'Alice', bio: '', avatarUrl: '' };
    const created = evolveUserState(other, follow, { type: 'ProfileCreated', userId: 'alice', profile });
    expect(created.profiles.get('alice')).toEqual(profile);
  });
});
