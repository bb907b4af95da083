import { describe, it } from 'vitest';

import { as, connected, none, pending } from '../testing/connectionStates.ts';
import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser } from './decideUser.ts';

const { given } = deciderSpec(decideUser);

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
