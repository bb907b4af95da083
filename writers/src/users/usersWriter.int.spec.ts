import { ConnectionLevel } from '@verograph/contracts/users/v1/users';
import { connectionId } from '@verograph/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CommandStatus, newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

let h: WriterHarness;

beforeAll(async () => {
  h = await startWriterHarness(['users']);
});

afterAll(async () => {
  await h?.stop();
});

const createProfile = (user: { id: string; username: string }, displayName = 'Someone') =>
  h.user(user.id, user.id, {
    case: 'createProfile',
    value: { userId: user.id, profile: { username: user.username, displayName, bio: '', avatarUrl: '' } },
  });

async function row(query: string, params: unknown[]) {
  return (await h.cassandra.execute(query, params, { prepare: true })).first();
}

describe('the users writer, through Kafka and Cassandra', () => {
  it('creates a profile: the row, the username claim, ProfileCreated and an APPLIED outcome', async () => {
    const alice = newUser('alice');
    const sent = await createProfile(alice, 'Alice');
    const outcome = await h.applied(sent);
    expect(outcome).toMatchObject({ commandId: sent.commandId, aggregateId: alice.id, reasonCode: '' });
    const events = await h.userEvents(sent.commandId);
    expect(events).toHaveLength(1);
    expect(events[0]!.key).toBe(alice.id);
    expect(events[0]!.event.event).toMatchObject({
      case: 'profileCreated',
      value: { userId: alice.id, profile: { username: alice.username, displayName: 'Alice' } },
    });
    expect(outcome.eventIds).toEqual([events[0]!.event.envelope!.messageId]);
    expect((await row('SELECT username, display_name FROM users WHERE id = ?', [alice.id]))?.get('display_name')).toBe(
      'Alice',
    );
    expect(
      (await row('SELECT user_id FROM users_by_username WHERE username = ?', [alice.username]))?.get('user_id'),
    ).toBe(alice.id);
  });

  it('gives a username to one of two users racing for it, and USERNAME_TAKEN to the other', async () => {
    const [a, b] = [newUser('racer'), newUser('racer')];
    const username = newUser('contested').username;
    const [first, second] = await Promise.all([
      createProfile({ id: a.id, username }),
      createProfile({ id: b.id, username }),
    ]);
    const outcomes = await Promise.all([h.outcome(first), h.outcome(second)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual([CommandStatus.APPLIED, CommandStatus.REJECTED]);
    const loser = outcomes.find((o) => o.status === CommandStatus.REJECTED)!;
    expect(loser.reasonCode).toBe('USERNAME_TAKEN');
    expect(loser.eventIds).toEqual([]);
    expect(await h.userEvents(loser.commandId)).toEqual([]);
    const winner = outcomes.find((o) => o.status === CommandStatus.APPLIED)!;
    expect((await row('SELECT user_id FROM users_by_username WHERE username = ?', [username]))?.get('user_id')).toBe(
      winner.aggregateId,
    );
    // The loser has no profile, and may take another name.
    expect(await row('SELECT id FROM users WHERE id = ?', [loser.aggregateId])).toBeNull();
  });

  it('refuses a second profile with PROFILE_EXISTS', async () => {
    const carol = newUser('carol');
    await h.applied(await createProfile(carol));
    const again = await h.outcome(await createProfile(carol));
    expect(again).toMatchObject({ status: CommandStatus.REJECTED, reasonCode: 'PROFILE_EXISTS' });
  });

  it('updates a profile by its mask, moving the username claim; PROFILE_REQUIRED without a profile', async () => {
    const dave = newUser('dave');
    await h.applied(await createProfile(dave, 'Dave'));
    const renamed = newUser('david').username;
    const sent = await h.user(dave.id, dave.id, {
      case: 'updateProfile',
      value: {
        userId: dave.id,
        profile: { username: renamed, displayName: 'ignored', bio: 'Builds things' },
        updateMask: ['username', 'bio'],
      },
    });
    await h.applied(sent);
    expect((await h.userEvents(sent.commandId))[0]!.event.event).toMatchObject({
      case: 'profileUpdated',
      value: { profile: { username: renamed, displayName: 'Dave', bio: 'Builds things' } },
    });
    const user = await row('SELECT username, display_name, bio FROM users WHERE id = ?', [dave.id]);
    expect([user?.get('username'), user?.get('display_name'), user?.get('bio')]).toEqual([
      renamed,
      'Dave',
      'Builds things',
    ]);
    expect((await row('SELECT user_id FROM users_by_username WHERE username = ?', [renamed]))?.get('user_id')).toBe(
      dave.id,
    );
    expect(await row('SELECT user_id FROM users_by_username WHERE username = ?', [dave.username])).toBeNull();

    const ghost = newUser('ghost');
    const rejected = await h.outcome(
      await h.user(ghost.id, ghost.id, {
        case: 'updateProfile',
        value: { userId: ghost.id, profile: { bio: 'x' }, updateMask: ['bio'] },
      }),
    );
    expect(rejected).toMatchObject({ status: CommandStatus.REJECTED, reasonCode: 'PROFILE_REQUIRED' });
  });

  it('follows and unfollows, writing both follow tables; ALREADY_FOLLOWING, NOT_FOLLOWING, CANNOT_TARGET_SELF', async () => {
    const [erin, frank] = [newUser('erin'), newUser('frank')];
    await Promise.all([h.applied(await createProfile(erin)), h.applied(await createProfile(frank))]);
    const follow = () =>
      h.user(erin.id, erin.id, { case: 'follow', value: { followerId: erin.id, followeeId: frank.id } });
    const unfollow = () =>
      h.user(erin.id, erin.id, { case: 'unfollow', value: { followerId: erin.id, followeeId: frank.id } });

    const followed = await follow();
    await h.applied(followed);
    expect((await h.userEvents(followed.commandId))[0]!.event.event.case).toBe('followed');
    expect(
      await row('SELECT * FROM follows_by_follower WHERE follower_id = ? AND followee_id = ?', [erin.id, frank.id]),
    ).not.toBeNull();
    expect(
      await row('SELECT * FROM follows_by_followee WHERE followee_id = ? AND follower_id = ?', [frank.id, erin.id]),
    ).not.toBeNull();
    expect(await h.outcome(await follow())).toMatchObject({ reasonCode: 'ALREADY_FOLLOWING' });

    await h.applied(await unfollow());
    expect(
      await row('SELECT * FROM follows_by_follower WHERE follower_id = ? AND followee_id = ?', [erin.id, frank.id]),
    ).toBeNull();
    expect(
      await row('SELECT * FROM follows_by_followee WHERE followee_id = ? AND follower_id = ?', [frank.id, erin.id]),
    ).toBeNull();
    expect(await h.outcome(await unfollow())).toMatchObject({ reasonCode: 'NOT_FOLLOWING' });

    const self = await h.user(erin.id, erin.id, {
      case: 'follow',
      value: { followerId: erin.id, followeeId: erin.id },
    });
    expect(await h.outcome(self)).toMatchObject({ reasonCode: 'CANNOT_TARGET_SELF' });
    const nobody = newUser('nobody');
    const noTarget = await h.user(erin.id, erin.id, {
      case: 'follow',
      value: { followerId: erin.id, followeeId: nobody.id },
    });
    expect(await h.outcome(noTarget)).toMatchObject({ reasonCode: 'NOT_FOUND' });
  });

  it('runs the connection state machine: request, accept, refile, remove, with both rows and levels', async () => {
    const [gina, hugo] = [newUser('gina'), newUser('hugo')];
    await Promise.all([h.applied(await createProfile(gina)), h.applied(await createProfile(hugo))]);
    const pair = connectionId(gina.id, hugo.id);
    const side = async (user: string, other: string) => {
      const r = await row('SELECT state, my_level, their_level FROM connections WHERE user_id = ? AND other_id = ?', [
        user,
        other,
      ]);
      return r ? [r.get('state'), r.get('my_level'), r.get('their_level')] : null;
    };

    const early = await h.user(hugo.id, pair, {
      case: 'acceptConnection',
      value: { accepterId: hugo.id, requesterId: gina.id, level: ConnectionLevel.FRIEND },
    });
    expect(await h.outcome(early)).toMatchObject({ reasonCode: 'NO_PENDING_REQUEST' });

    const request = await h.user(gina.id, pair, {
      case: 'requestConnection',
      value: { requesterId: gina.id, addresseeId: hugo.id, level: ConnectionLevel.CLOSE_FRIEND },
    });
    await h.applied(request);
    expect((await h.userEvents(request.commandId))[0]!.key).toBe(pair);
    expect(await side(gina.id, hugo.id)).toEqual(['OUTGOING', 'CLOSE_FRIEND', null]);
    expect(await side(hugo.id, gina.id)).toEqual(['INCOMING', null, null]);
    const twice = await h.user(gina.id, pair, {
      case: 'requestConnection',
      value: { requesterId: gina.id, addresseeId: hugo.id, level: ConnectionLevel.FRIEND },
    });
    expect(await h.outcome(twice)).toMatchObject({ reasonCode: 'CONNECTION_EXISTS' });

    const accept = await h.user(hugo.id, pair, {
      case: 'acceptConnection',
      value: { accepterId: hugo.id, requesterId: gina.id, level: ConnectionLevel.ACQUAINTANCE },
    });
    await h.applied(accept);
    expect((await h.userEvents(accept.commandId))[0]!.event.event).toMatchObject({
      case: 'connectionAccepted',
      value: { requesterLevel: ConnectionLevel.CLOSE_FRIEND, accepterLevel: ConnectionLevel.ACQUAINTANCE },
    });
    expect(await side(gina.id, hugo.id)).toEqual(['CONNECTED', 'CLOSE_FRIEND', 'ACQUAINTANCE']);
    expect(await side(hugo.id, gina.id)).toEqual(['CONNECTED', 'ACQUAINTANCE', 'CLOSE_FRIEND']);

    await h.applied(
      await h.user(hugo.id, pair, {
        case: 'setConnectionLevel',
        value: { userId: hugo.id, otherId: gina.id, level: ConnectionLevel.FRIEND },
      }),
    );
    expect(await side(hugo.id, gina.id)).toEqual(['CONNECTED', 'FRIEND', 'CLOSE_FRIEND']);
    expect(await side(gina.id, hugo.id)).toEqual(['CONNECTED', 'CLOSE_FRIEND', 'FRIEND']);

    await h.applied(
      await h.user(gina.id, pair, { case: 'removeConnection', value: { userId: gina.id, otherId: hugo.id } }),
    );
    expect(await side(gina.id, hugo.id)).toBeNull();
    expect(await side(hugo.id, gina.id)).toBeNull();
    const refile = await h.user(gina.id, pair, {
      case: 'setConnectionLevel',
      value: { userId: gina.id, otherId: hugo.id, level: ConnectionLevel.FRIEND },
    });
    expect(await h.outcome(refile)).toMatchObject({ reasonCode: 'NOT_CONNECTED' });
    const self = await h.user(gina.id, connectionId(gina.id, gina.id), {
      case: 'requestConnection',
      value: { requesterId: gina.id, addresseeId: gina.id, level: ConnectionLevel.FRIEND },
    });
    expect(await h.outcome(self)).toMatchObject({ reasonCode: 'CANNOT_TARGET_SELF' });
  });
});
