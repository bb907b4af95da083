// States of Alice and Bob's connection, shared by the users decider's connection specs.
import type { DecisionContext } from '../writer/decision.ts';
import type { ConnectionSide, Profile, UserState } from '../users/userModel.ts';

const now = new Date('2026-03-01T10:00:00.000Z');

/** The decision context of a command sent by `actorId`. */
export const as = (actorId: string): DecisionContext => ({ actorId, now });

/** A profile with nothing but its username. */
export const profileNamed = (username: string): Profile => ({
  username,
  displayName: username,
  bio: '',
  avatarUrl: '',
});

const profiles = new Map([
  ['alice', profileNamed('alice')],
  ['bob', profileNamed('bob')],
]);

/** Both have profiles and no connection. */
export const none: UserState = { profiles, connection: new Map() };

const sides = (alice: ConnectionSide, bob: ConnectionSide): UserState => ({
  profiles,
  connection: new Map([
    ['alice', alice],
    ['bob', bob],
  ]),
});

/** Alice asked Bob. */
export const pending = sides({ state: 'OUTGOING', myLevel: 'FRIEND' }, { state: 'INCOMING' });

/** Connected: Alice files Bob as a friend, Bob files Alice as a close friend. */
export const connected = sides(
  { state: 'CONNECTED', myLevel: 'FRIEND', theirLevel: 'CLOSE_FRIEND' },
  { state: 'CONNECTED', myLevel: 'CLOSE_FRIEND', theirLevel: 'FRIEND' },
);
