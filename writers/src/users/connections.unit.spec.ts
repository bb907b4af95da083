import { describe, it } from 'vitest';

import { as, connected, none, pending, profileNamed } from '../testing/connectionStates.ts';
import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser } from './decideUser.ts';

const { given } = deciderSpec(decideUser);

describe('RequestConnection', () => {
  it('asks another user to connect, at the level the requester will file them', () => {
    given(none)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('alice'))
      .then({ type: 'ConnectionRequested', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' });
  });

  it('refuses when a request is pending either way, or they are connected', () => {
    given(pending)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('CONNECTION_EXISTS', /already pending/);
    given(pending)
      .when({ type: 'RequestConnection', requesterId: 'bob', addresseeId: 'alice', level: 'FRIEND' }, as('bob'))
      .rejectedWith('CONNECTION_EXISTS', /accept their request/);
    given(connected)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('CONNECTION_EXISTS', /already connected/);
  });

  it('refuses oneself, a missing level, missing profiles, and somebody else’s behalf', () => {
    given(none)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'alice', level: 'FRIEND' }, as('alice'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(none)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: undefined }, as('alice'))
      .rejectedWith('BAD_USER_INPUT');
    given({ ...none, profiles: new Map([['alice', profileNamed('alice')]]) })
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('NOT_FOUND');
    given({ ...none, profiles: new Map([['bob', profileNamed('bob')]]) })
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('PROFILE_REQUIRED');
    given(none)
      .when({ type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' }, as('bob'))
      .rejectedWith('FORBIDDEN');
  });
});

describe('AcceptConnection', () => {
  it('connects both sides, each with its own level', () => {
    given(pending)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: 'CLOSE_FRIEND' }, as('bob'))
      .then({
        type: 'ConnectionAccepted',
        requesterId: 'alice',
        accepterId: 'bob',
        requesterLevel: 'FRIEND',
        accepterLevel: 'CLOSE_FRIEND',
      });
  });

  it('refuses without a request to the accepter', () => {
    given(none)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: 'FRIEND' }, as('bob'))
      .rejectedWith('NO_PENDING_REQUEST');
    // The requester cannot accept their own request.
    given(pending)
      .when({ type: 'AcceptConnection', accepterId: 'alice', requesterId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('NO_PENDING_REQUEST');
  });

  it('refuses when already connected, oneself, a missing level, or somebody else’s behalf', () => {
    given(connected)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: 'FRIEND' }, as('bob'))
      .rejectedWith('CONNECTION_EXISTS');
    given(pending)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'bob', level: 'FRIEND' }, as('bob'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(pending)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: undefined }, as('bob'))
      .rejectedWith('BAD_USER_INPUT');
    given(pending)
      .when({ type: 'AcceptConnection', accepterId: 'bob', requesterId: 'alice', level: 'FRIEND' }, as('alice'))
      .rejectedWith('FORBIDDEN');
  });
});

describe('SetConnectionLevel', () => {
  it('refiles a connection', () => {
    given(connected)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'bob', level: 'ACQUAINTANCE' }, as('alice'))
      .then({ type: 'ConnectionLevelSet', userId: 'alice', otherId: 'bob', level: 'ACQUAINTANCE' });
  });

  it('refuses when not connected (a pending request is not a connection)', () => {
    given(none)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('NOT_CONNECTED');
    given(pending)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'bob', level: 'FRIEND' }, as('alice'))
      .rejectedWith('NOT_CONNECTED');
  });

  it('refuses oneself, a missing level, and somebody else’s behalf', () => {
    given(connected)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'alice', level: 'FRIEND' }, as('alice'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(connected)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'bob', level: undefined }, as('alice'))
      .rejectedWith('BAD_USER_INPUT');
    given(connected)
      .when({ type: 'SetConnectionLevel', userId: 'alice', otherId: 'bob', level: 'FRIEND' }, as('bob'))
      .rejectedWith('FORBIDDEN');
  });
});

describe('RemoveConnection', () => {
  it('disconnects, declines or cancels', () => {
    for (const state of [connected, pending]) {
      given(state)
        .when({ type: 'RemoveConnection', userId: 'bob', otherId: 'alice' }, as('bob'))
        .then({ type: 'ConnectionRemoved', userId: 'bob', otherId: 'alice' });
    }
  });

  it('refuses when there is nothing to remove, oneself, or somebody else’s behalf', () => {
    given(none)
      .when({ type: 'RemoveConnection', userId: 'alice', otherId: 'bob' }, as('alice'))
      .rejectedWith('NOT_CONNECTED');
    given(connected)
      .when({ type: 'RemoveConnection', userId: 'alice', otherId: 'alice' }, as('alice'))
      .rejectedWith('CANNOT_TARGET_SELF');
    given(connected)
      .when({ type: 'RemoveConnection', userId: 'alice', otherId: 'bob' }, as('bob'))
      .rejectedWith('FORBIDDEN');
  });
});
