import { describe, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser } from './decideUser.ts';
import type { Profile, UserState } from './userModel.ts';

const { given } = deciderSpec(decideUser);
const now = new Date('2026-03-01T10:00:00.000Z');
const alice = { actorId: 'alice', now };
const profile: Profile = { username: 'alice', displayName: 'Alice', bio: 'hi', avatarUrl: 'https://a.example/me.png' };
const nobody: UserState = { profiles: new Map() };
const aliceExists: UserState = { profiles: new Map([['alice', profile]]) };

describe('CreateProfile', () => {
  it('creates the profile of the signed-in user, normalising the username', () => {
    given(nobody)
      .when({ type: 'CreateProfile', userId: 'alice', profile: { ...profile, username: ' Alice ' } }, alice)
      .then({ type: 'ProfileCreated', userId: 'alice', profile });
  });

  it('accepts a username the same user already holds (a replayed claim)', () => {
    given({ ...nobody, usernameHolder: 'alice' })
      .when({ type: 'CreateProfile', userId: 'alice', profile }, alice)
      .then({ type: 'ProfileCreated', userId: 'alice', profile });
  });

  it('refuses a profile for somebody else', () => {
    given(nobody).when({ type: 'CreateProfile', userId: 'bob', profile }, alice).rejectedWith('FORBIDDEN');
  });

  it('refuses a second profile', () => {
    given(aliceExists).when({ type: 'CreateProfile', userId: 'alice', profile }, alice).rejectedWith('PROFILE_EXISTS');
  });

  it('refuses a username another user holds', () => {
    given({ ...nobody, usernameHolder: 'bob' })
      .when({ type: 'CreateProfile', userId: 'alice', profile }, alice)
      .rejectedWith('USERNAME_TAKEN', /"alice" is taken/);
  });

  it('refuses bad input with a message naming the field', () => {
    given(nobody)
      .when({ type: 'CreateProfile', userId: 'alice', profile: { ...profile, username: 'a' } }, alice)
      .rejectedWith('BAD_USER_INPUT', /username/);
    given(nobody)
      .when({ type: 'CreateProfile', userId: 'alice', profile: { ...profile, displayName: ' ' } }, alice)
      .rejectedWith('BAD_USER_INPUT', /displayName/);
    given(nobody)
      .when({ type: 'CreateProfile', userId: 'alice', profile: { ...profile, avatarUrl: 'ftp://x' } }, alice)
      .rejectedWith('BAD_USER_INPUT', /avatarUrl/);
  });
});

describe('UpdateProfile', () => {
  it('changes only the fields the mask names, in either spelling, and carries the whole profile', () => {
    given(aliceExists)
      .when(
        {
          type: 'UpdateProfile',
          userId: 'alice',
          profile: { username: 'ignored', displayName: 'Alice B.', bio: 'new bio', avatarUrl: '' },
          updateMask: ['display_name', 'bio'],
        },
        alice,
      )
      .then({
        type: 'ProfileUpdated',
        userId: 'alice',
        profile: { ...profile, displayName: 'Alice B.', bio: 'new bio' },
      });
    given(aliceExists)
      .when(
        { type: 'UpdateProfile', userId: 'alice', profile: { ...profile, avatarUrl: '' }, updateMask: ['avatarUrl'] },
        alice,
      )
      .then({ type: 'ProfileUpdated', userId: 'alice', profile: { ...profile, avatarUrl: '' } });
  });

  it('moves to a free username', () => {
    given(aliceExists)
      .when(
        { type: 'UpdateProfile', userId: 'alice', profile: { ...profile, username: 'ally' }, updateMask: ['username'] },
        alice,
      )
      .then({ type: 'ProfileUpdated', userId: 'alice', profile: { ...profile, username: 'ally' } });
  });

  it('refuses a username another user holds', () => {
    given({ ...aliceExists, usernameHolder: 'bob' })
      .when(
        { type: 'UpdateProfile', userId: 'alice', profile: { ...profile, username: 'bob' }, updateMask: ['username'] },
        alice,
      )
      .rejectedWith('USERNAME_TAKEN');
  });

  it('requires a profile to update', () => {
    given(nobody)
      .when({ type: 'UpdateProfile', userId: 'alice', profile, updateMask: ['bio'] }, alice)
      .rejectedWith('PROFILE_REQUIRED');
  });

  it('refuses to update somebody else', () => {
    given(aliceExists)
      .when({ type: 'UpdateProfile', userId: 'alice', profile, updateMask: ['bio'] }, { actorId: 'bob', now })
      .rejectedWith('FORBIDDEN');
  });

  it('refuses an empty or unknown mask, and invalid values', () => {
    given(aliceExists)
      .when({ type: 'UpdateProfile', userId: 'alice', profile, updateMask: [] }, alice)
      .rejectedWith('BAD_USER_INPUT', /at least one/);
    given(aliceExists)
      .when({ type: 'UpdateProfile', userId: 'alice', profile, updateMask: ['bio', 'email'] }, alice)
      .rejectedWith('BAD_USER_INPUT', /email/);
    given(aliceExists)
      .when(
        { type: 'UpdateProfile', userId: 'alice', profile: { ...profile, bio: 'x'.repeat(501) }, updateMask: ['bio'] },
        alice,
      )
      .rejectedWith('BAD_USER_INPUT', /bio/);
  });
});
