import { ConnectionLevel } from '@verograph/contracts/users/v1/users';
import { connectionId } from '@verograph/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

let h: WriterHarness;

beforeAll(async () => {
  h = await startWriterHarness(['users']);
});

afterAll(async () => {
  await h?.stop();
});

const createProfile = (user: { id: string; username: string }) =>
  h.user(user.id, user.id, {
    case: 'createProfile',
    value: { userId: user.id, profile: { username: user.username, displayName: 'Someone', bio: '', avatarUrl: '' } },
  });

/** A user's row about the other in `connections`: its state, or null when there is none. */
async function stateOf(userId: string, otherId: string): Promise<unknown> {
  const r = (
    await h.cassandra.execute('SELECT state FROM connections WHERE user_id = ? AND other_id = ?', [userId, otherId], {
      prepare: true,
    })
  ).first();
  return r ? r.get('state') : null;
}

/** Two users with profiles, the first of whom has asked the second to connect. */
async function pendingPair(): Promise<{ requester: string; addressee: string; pair: string }> {
  const [requester, addressee] = [newUser('asker'), newUser('asked')];
  await Promise.all([h.applied(await createProfile(requester)), h.applied(await createProfile(addressee))]);
  const pair = connectionId(requester.id, addressee.id);
  await h.applied(
    await h.user(requester.id, pair, {
      case: 'requestConnection',
      value: { requesterId: requester.id, addresseeId: addressee.id, level: ConnectionLevel.FRIEND },
    }),
  );
  expect([await stateOf(requester.id, addressee.id), await stateOf(addressee.id, requester.id)]).toEqual([
    'OUTGOING',
    'INCOMING',
  ]);
  return { requester: requester.id, addressee: addressee.id, pair };
}

describe('declining and withdrawing connection requests, through Kafka and Cassandra', () => {
  it('given a request, when the addressee declines it, then ConnectionDeclined and neither side holds a row', async () => {
    const { requester, addressee, pair } = await pendingPair();
    const wrongSide = await h.user(requester, pair, {
      case: 'declineConnection',
      value: { declinerId: requester, requesterId: addressee },
    });
    expect(await h.outcome(wrongSide)).toMatchObject({ reasonCode: 'NO_PENDING_REQUEST' });

    const decline = await h.user(addressee, pair, {
      case: 'declineConnection',
      value: { declinerId: addressee, requesterId: requester },
    });
    await h.applied(decline);
    const events = await h.userEvents(decline.commandId);
    expect(events.map((e) => [e.key, e.event.event.case])).toEqual([[pair, 'connectionDeclined']]);
    expect(await stateOf(requester, addressee)).toBeNull();
    expect(await stateOf(addressee, requester)).toBeNull();

    const again = await h.user(addressee, pair, {
      case: 'declineConnection',
      value: { declinerId: addressee, requesterId: requester },
    });
    expect(await h.outcome(again)).toMatchObject({ reasonCode: 'NO_PENDING_REQUEST' });
    // Declined is not blocked: the requester may ask again.
    await h.applied(
      await h.user(requester, pair, {
        case: 'requestConnection',
        value: { requesterId: requester, addresseeId: addressee, level: ConnectionLevel.ACQUAINTANCE },
      }),
    );
    expect(await stateOf(addressee, requester)).toBe('INCOMING');
  });

  it('given a request, when the requester withdraws it, then ConnectionRequestCancelled and neither side holds a row', async () => {
    const { requester, addressee, pair } = await pendingPair();
    const wrongSide = await h.user(addressee, pair, {
      case: 'cancelConnectionRequest',
      value: { requesterId: addressee, addresseeId: requester },
    });
    expect(await h.outcome(wrongSide)).toMatchObject({ reasonCode: 'NO_PENDING_REQUEST' });

    const cancel = await h.user(requester, pair, {
      case: 'cancelConnectionRequest',
      value: { requesterId: requester, addresseeId: addressee },
    });
    await h.applied(cancel);
    const events = await h.userEvents(cancel.commandId);
    expect(events.map((e) => [e.key, e.event.event.case])).toEqual([[pair, 'connectionRequestCancelled']]);
    expect(await stateOf(requester, addressee)).toBeNull();
    expect(await stateOf(addressee, requester)).toBeNull();
  });

  it('given a connection, then neither declining nor withdrawing touches it: CONNECTION_EXISTS', async () => {
    const { requester, addressee, pair } = await pendingPair();
    await h.applied(
      await h.user(addressee, pair, {
        case: 'acceptConnection',
        value: { accepterId: addressee, requesterId: requester, level: ConnectionLevel.FRIEND },
      }),
    );
    const decline = await h.user(addressee, pair, {
      case: 'declineConnection',
      value: { declinerId: addressee, requesterId: requester },
    });
    const cancel = await h.user(requester, pair, {
      case: 'cancelConnectionRequest',
      value: { requesterId: requester, addresseeId: addressee },
    });
    expect(await h.outcome(decline)).toMatchObject({ reasonCode: 'CONNECTION_EXISTS' });
    expect(await h.outcome(cancel)).toMatchObject({ reasonCode: 'CONNECTION_EXISTS' });
    expect([await stateOf(requester, addressee), await stateOf(addressee, requester)]).toEqual([
      'CONNECTED',
      'CONNECTED',
    ]);
  });
});
