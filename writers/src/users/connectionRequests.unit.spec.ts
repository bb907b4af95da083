import { describe, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser } from './decideUser.ts';
import type { ConnectionSide, Profile, UserState } from './userModel.ts';

const { given } = deciderSpec(decideUser);
const now = new Date('2026-03-01T10:00:00.000Z');
const as = (actorId: string) => ({ actorId, now });
const p = (username: string): Profile => ({ username, displayName: username, bio: '', avatarUrl: '' });
const profiles = new Map([
  ['alice', p('alice')],
  ['bob', p('bob')],
]);
const none: UserState = { profiles, connection: new Map() };
const sides = (alice: ConnectionSide, bob: ConnectionSide): UserState => ({
  profiles,
  connection: new Map([
    ['alice', alice],
    ['bob', bob],
  ]),
});
/** Alice asked Bob. */
const pending = sides({ state: 'OUTGOING', myLevel: 'FRIEND' }, { state: 'INCOMING' });
const connected = sides(
  { state: 'CONNECTED', myLevel: 'FRIEND', theirLevel: 'CLOSE_FRIEND' },
  { state: 'CONNECTED', myLevel: 'CLOSE_FRIEND', theirLevel: 'FRIEND' },
);

describe('DeclineConnection', () => {
  it('given a request to the addressee, when they decline it, then it is declined', () => {
    given(pending)
      .when({ type: 'DeclineConnection', declinerId: 'bob', requesterId: 'alice' }, as('bob'))
      .then({ type: 'ConnectionDeclined', declinerId: 'bob', requesterId: 'alice' });
  });

  it('given no request to the decliner (none, or their own outgoing one), then NO_PENDING_REQUEST', () => {
    given(none)
      .when({ type: 'DeclineConnection', declinerId: 'bob', requesterId: 'alice' }, as('bob'))
      .rejectedWith('NO_PENDING_REQUEST');
    // The requester cannot decline their own request: they cancel it.
    given(pending)
      .when({ type: 'DeclineConnection', declinerId: 'alice', requesterId: 'bob' }, as('alice'))
      .rejectedWith('NO_PENDING_REQUEST');
  });

  it('given a connection, then CONNECTION_EXISTS: declining is not disconnecting', () => {
    given(connected)
      .when({ type: 'DeclineConnection', declinerId: 'bob', requesterId: 'alice' }, as('bob'))
      .rejectedWith('CONNECTION_EXISTS', /removeConnection/);
  });

  it('refuses oneself and somebody else’s behalf', () => {
    given(pending)
      .when({ type: 'DeclineConnection', declinerId: 'bob', requesterId: 'bob' }, as('bob'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(pending)
      .when({ type: 'DeclineConnection', declinerId: 'bob', requesterId: 'alice' }, as('alice'))
      .rejectedWith('FORBIDDEN');
  });
});

describe('CancelConnectionRequest', () => {
  it('given the requester’s pending request, when they withdraw it, then it is cancelled', () => {
    given(pending)
      .when({ type: 'CancelConnectionRequest', requesterId: 'alice', addresseeId: 'bob' }, as('alice'))
      .then({ type: 'ConnectionRequestCancelled', requesterId: 'alice', addresseeId: 'bob' });
  });

  it('given no request from the requester (none, or one made to them), then NO_PENDING_REQUEST', () => {
    given(none)
      .when({ type: 'CancelConnectionRequest', requesterId: 'alice', addresseeId: 'bob' }, as('alice'))
      .rejectedWith('NO_PENDING_REQUEST');
    // The addressee cannot cancel what they did not ask: they decline it.
    given(pending)
      .when({ type: 'CancelConnectionRequest', requesterId: 'bob', addresseeId: 'alice' }, as('bob'))
      .rejectedWith('NO_PENDING_REQUEST');
  });

  it('given a connection, then CONNECTION_EXISTS', () => {
    given(connected)
      .when({ type: 'CancelConnectionRequest', requesterId: 'alice', addresseeId: 'bob' }, as('alice'))
      .rejectedWith('CONNECTION_EXISTS', /removeConnection/);
  });

  it('refuses oneself and somebody else’s behalf', () => {
    given(pending)
      .when({ type: 'CancelConnectionRequest', requesterId: 'alice', addresseeId: 'alice' }, as('alice'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(pending)
      .when({ type: 'CancelConnectionRequest', requesterId: 'alice', addresseeId: 'bob' }, as('bob'))
      .rejectedWith('FORBIDDEN');
  });
});
