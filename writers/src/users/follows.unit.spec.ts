import { describe, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser } from './decideUser.ts';
import type { Profile, UserState } from './userModel.ts';

const { given } = deciderSpec(decideUser);
const alice = { actorId: 'alice', now: new Date('2026-03-01T10:00:00.000Z') };
const p = (username: string): Profile => ({ username, displayName: username, bio: '', avatarUrl: '' });
const both: UserState = {
  profiles: new Map([
    ['alice', p('alice')],
    ['bob', p('bob')],
  ]),
  following: false,
};

describe('Follow', () => {
  it('follows a user who has a profile', () => {
    given(both)
      .when({ type: 'Follow', followerId: 'alice', followeeId: 'bob' }, alice)
      .then({ type: 'Followed', followerId: 'alice', followeeId: 'bob' });
  });

  it('refuses a second follow', () => {
    given({ ...both, following: true })
      .when({ type: 'Follow', followerId: 'alice', followeeId: 'bob' }, alice)
      .rejectedWith('ALREADY_FOLLOWING');
  });

  it('refuses to follow oneself', () => {
    given(both)
      .when({ type: 'Follow', followerId: 'alice', followeeId: 'alice' }, alice)
      .rejectedWith('CANNOT_TARGET_SELF');
  });

  it('refuses a target without a profile, and a follower without one', () => {
    given({ ...both, profiles: new Map([['alice', p('alice')]]) })
      .when({ type: 'Follow', followerId: 'alice', followeeId: 'bob' }, alice)
      .rejectedWith('NOT_FOUND');
    given({ ...both, profiles: new Map([['bob', p('bob')]]) })
      .when({ type: 'Follow', followerId: 'alice', followeeId: 'bob' }, alice)
      .rejectedWith('PROFILE_REQUIRED');
  });

  it('refuses to follow on somebody else’s behalf', () => {
    given(both).when({ type: 'Follow', followerId: 'bob', followeeId: 'alice' }, alice).rejectedWith('FORBIDDEN');
  });
});

describe('Unfollow', () => {
  it('unfollows a followed user', () => {
    given({ profiles: new Map(), following: true })
      .when({ type: 'Unfollow', followerId: 'alice', followeeId: 'bob' }, alice)
      .then({ type: 'Unfollowed', followerId: 'alice', followeeId: 'bob' });
  });

  it('refuses to unfollow a user not followed, oneself, or for somebody else', () => {
    given({ profiles: new Map(), following: false })
      .when({ type: 'Unfollow', followerId: 'alice', followeeId: 'bob' }, alice)
      .rejectedWith('NOT_FOLLOWING');
    given({ profiles: new Map(), following: false })
      .when({ type: 'Unfollow', followerId: 'alice', followeeId: 'alice' }, alice)
      .rejectedWith('CANNOT_TARGET_SELF');
    given({ profiles: new Map(), following: true })
      .when({ type: 'Unfollow', followerId: 'bob', followeeId: 'alice' }, alice)
      .rejectedWith('FORBIDDEN');
  });
});
