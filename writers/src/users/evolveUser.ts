import { assertNever } from '../writer/decision.ts';
import type { ConnectionSide, UserCommand, UserEvent, UserState } from './userModel.ts';

/** The two users a follow command names, or undefined for another command. */
function followPair(command: UserCommand): readonly [string, string] | undefined {
  return command.type === 'Follow' || command.type === 'Unfollow'
    ? [command.followerId, command.followeeId]
    : undefined;
}

/**
 * What a users command reads once an event of its aggregate is written (see
 * `AggregateWriter.evolve`): the rows `userStore` would read back, as its statements leave them.
 */
export function evolveUserState(state: UserState, command: UserCommand, event: UserEvent): UserState {
  switch (event.type) {
    case 'ProfileCreated':
    case 'ProfileUpdated':
      return { ...state, profiles: new Map(state.profiles).set(event.userId, event.profile) };
    case 'Followed':
    case 'Unfollowed': {
      const pair = followPair(command);
      if (!pair || pair[0] !== event.followerId || pair[1] !== event.followeeId) return state;
      return { ...state, following: event.type === 'Followed' };
    }
    case 'ConnectionRequested':
      return withSides(state, [
        [event.requesterId, { state: 'OUTGOING', myLevel: event.level }],
        [event.addresseeId, { state: 'INCOMING' }],
      ]);
    case 'ConnectionAccepted':
      return withSides(state, [
        [event.requesterId, { state: 'CONNECTED', myLevel: event.requesterLevel, theirLevel: event.accepterLevel }],
        [event.accepterId, { state: 'CONNECTED', myLevel: event.accepterLevel, theirLevel: event.requesterLevel }],
      ]);
    case 'ConnectionLevelSet': {
      const mine = state.connection?.get(event.userId);
      const theirs = state.connection?.get(event.otherId);
      return withSides(state, [
        [event.userId, mine && { ...mine, myLevel: event.level }],
        [event.otherId, theirs && { ...theirs, theirLevel: event.level }],
      ]);
    }
    case 'ConnectionRemoved':
      return withSides(state, [
        [event.userId, undefined],
        [event.otherId, undefined],
      ]);
    case 'ConnectionDeclined':
      return withSides(state, [
        [event.declinerId, undefined],
        [event.requesterId, undefined],
      ]);
    case 'ConnectionRequestCancelled':
      return withSides(state, [
        [event.requesterId, undefined],
        [event.addresseeId, undefined],
      ]);
    case 'NotificationsMarkedRead':
      return state;
    default:
      return assertNever(event);
  }
}

/** The connection's sides as given (undefined: that side's row is gone); only for connection commands. */
function withSides(state: UserState, sides: readonly (readonly [string, ConnectionSide | undefined])[]): UserState {
  if (!state.connection) return state;
  const connection = new Map(state.connection);
  for (const [userId, side] of sides) {
    if (side) connection.set(userId, side);
    else connection.delete(userId);
  }
  return { ...state, connection };
}
