import { create, toBinary } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { ConnectionLevel } from '@verograph/contracts/users/v1/users';
import { describe, expect, it } from 'vitest';

import { eventEnvelope } from '../testing/envelopes.ts';
import { userAggregateId } from './decideUser.ts';
import { decodeUserCommand, decodeUserEvent, encodeUserEvent } from './userCodec.ts';
import type { UserEvent } from './userModel.ts';

const envelope = { commandId: 'cmd-1', aggregateId: 'alice~bob', actorId: 'alice' };

describe('users commands on the wire', () => {
  it('decode into domain commands, levels by name, UNSPECIFIED as missing', () => {
    const bytes = toBinary(
      UserCommandSchema,
      create(UserCommandSchema, {
        envelope,
        command: {
          case: 'requestConnection',
          value: { requesterId: 'alice', addresseeId: 'bob', level: ConnectionLevel.CLOSE_FRIEND },
        },
      }),
    );
    expect(decodeUserCommand(bytes)).toEqual({
      ok: true,
      meta: { commandId: 'cmd-1', aggregateId: 'alice~bob', actorId: 'alice' },
      command: { type: 'RequestConnection', requesterId: 'alice', addresseeId: 'bob', level: 'CLOSE_FRIEND' },
    });
    const unspecified = toBinary(
      UserCommandSchema,
      create(UserCommandSchema, {
        envelope,
        command: { case: 'setConnectionLevel', value: { userId: 'alice', otherId: 'bob' } },
      }),
    );
    expect(decodeUserCommand(unspecified)).toMatchObject({ ok: true, command: { level: undefined } });
  });

  it('are poison when undecodable, without an envelope, or naming no command', () => {
    expect(decodeUserCommand(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff]))).toMatchObject({
      ok: false,
      code: 'UNDECODABLE',
    });
    const noEnvelope = toBinary(
      UserCommandSchema,
      create(UserCommandSchema, { command: { case: 'follow', value: { followerId: 'a', followeeId: 'b' } } }),
    );
    expect(decodeUserCommand(noEnvelope)).toMatchObject({ ok: false, code: 'MISSING_ENVELOPE' });
    const noCommand = toBinary(UserCommandSchema, create(UserCommandSchema, { envelope }));
    expect(decodeUserCommand(noCommand)).toMatchObject({ ok: false, code: 'UNKNOWN_COMMAND' });
  });

  it('belong to the user, the follower, or the pair', () => {
    const profile = { username: 'a', displayName: 'a', bio: '', avatarUrl: '' };
    expect(userAggregateId({ type: 'CreateProfile', userId: 'u', profile })).toBe('u');
    expect(userAggregateId({ type: 'Unfollow', followerId: 'f', followeeId: 'g' })).toBe('f');
    expect(userAggregateId({ type: 'AcceptConnection', accepterId: 'zed', requesterId: 'amy', level: 'FRIEND' })).toBe(
      'amy~zed',
    );
    expect(userAggregateId({ type: 'RemoveConnection', userId: 'amy', otherId: 'zed' })).toBe('amy~zed');
    expect(userAggregateId({ type: 'DeclineConnection', declinerId: 'zed', requesterId: 'amy' })).toBe('amy~zed');
    expect(userAggregateId({ type: 'CancelConnectionRequest', requesterId: 'zed', addresseeId: 'amy' })).toBe(
      'amy~zed',
    );
  });
});

describe('users events on the wire', () => {
  const events: UserEvent[] = [
    {
      type: 'ProfileCreated',
      userId: 'alice',
      profile: { username: 'alice', displayName: 'A', bio: 'b', avatarUrl: '' },
    },
    {
      type: 'ProfileUpdated',
      userId: 'alice',
      profile: { username: 'al', displayName: 'A', bio: '', avatarUrl: 'https://x/' },
    },
    { type: 'Followed', followerId: 'alice', followeeId: 'bob' },
    { type: 'Unfollowed', followerId: 'alice', followeeId: 'bob' },
    { type: 'ConnectionRequested', requesterId: 'alice', addresseeId: 'bob', level: 'FRIEND' },
    {
      type: 'ConnectionAccepted',
      requesterId: 'alice',
      accepterId: 'bob',
      requesterLevel: 'FRIEND',
      accepterLevel: 'ACQUAINTANCE',
    },
    { type: 'ConnectionLevelSet', userId: 'alice', otherId: 'bob', level: 'CLOSE_FRIEND' },
    { type: 'ConnectionRemoved', userId: 'bob', otherId: 'alice' },
    { type: 'ConnectionDeclined', declinerId: 'bob', requesterId: 'alice' },
    { type: 'ConnectionRequestCancelled', requesterId: 'alice', addresseeId: 'bob' },
  ];

  it('round-trip, envelope included, for every event type', () => {
    for (const [index, event] of events.entries()) {
      const recorded = { event, envelope: eventEnvelope('alice', index) };
      expect(decodeUserEvent(encodeUserEvent(recorded))).toEqual(recorded);
    }
  });
});
