import type { ConnectionLevel } from '@verograph/domain';

import { accept, reject, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { UserCommand, UserEvent, UserState } from './userModel.ts';

type Of<T extends UserCommand['type']> = Extract<UserCommand, { type: T }>;

const LEVEL_REQUIRED = 'level must be CLOSE_FRIEND, FRIEND or ACQUAINTANCE';

/**
 * The connection state machine, per pair of users:
 * none → (RequestConnection) OUTGOING for the requester / INCOMING for the addressee
 *      → (AcceptConnection by the addressee) CONNECTED on both sides;
 * RemoveConnection from any state (cancel, decline or disconnect) → none.
 */
export function decideRequestConnection(
  command: Of<'RequestConnection'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { requesterId, addresseeId, level } = command;
  if (requesterId !== actorId) return reject('FORBIDDEN', 'users can only request connections on their own behalf');
  if (requesterId === addresseeId) return reject('CANNOT_TARGET_SELF', 'you cannot connect with yourself');
  if (!level) return reject('BAD_USER_INPUT', LEVEL_REQUIRED);
  if (!state.profiles.has(requesterId))
    return reject('PROFILE_REQUIRED', 'create a profile before connecting with anyone');
  if (!state.profiles.has(addresseeId)) return reject('NOT_FOUND', `user ${addresseeId} does not exist`);
  const mine = state.connection?.get(requesterId);
  if (mine) {
    const what =
      mine.state === 'CONNECTED'
        ? 'you are already connected'
        : mine.state === 'OUTGOING'
          ? 'your request is already pending'
          : 'they already asked you: accept their request instead';
    return reject('CONNECTION_EXISTS', `${what} with user ${addresseeId}`);
  }
  return accept({ type: 'ConnectionRequested', requesterId, addresseeId, level });
}

export function decideAcceptConnection(
  command: Of<'AcceptConnection'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { accepterId, requesterId, level } = command;
  if (accepterId !== actorId) return reject('FORBIDDEN', 'users can only accept requests made to them');
  if (accepterId === requesterId) return reject('CANNOT_TARGET_SELF', 'you cannot connect with yourself');
  if (!level) return reject('BAD_USER_INPUT', LEVEL_REQUIRED);
  const mine = state.connection?.get(accepterId);
  if (mine?.state === 'CONNECTED')
    return reject('CONNECTION_EXISTS', `you are already connected with user ${requesterId}`);
  if (mine?.state !== 'INCOMING')
    return reject('NO_PENDING_REQUEST', `user ${requesterId} has not asked to connect with you`);
  const requesterLevel: ConnectionLevel = state.connection?.get(requesterId)?.myLevel ?? 'ACQUAINTANCE';
  return accept({ type: 'ConnectionAccepted', requesterId, accepterId, requesterLevel, accepterLevel: level });
}

export function decideSetConnectionLevel(
  command: Of<'SetConnectionLevel'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { userId, otherId, level } = command;
  if (userId !== actorId) return reject('FORBIDDEN', 'users can only file their own connections');
  if (userId === otherId) return reject('CANNOT_TARGET_SELF', 'you cannot file yourself');
  if (!level) return reject('BAD_USER_INPUT', LEVEL_REQUIRED);
  if (state.connection?.get(userId)?.state !== 'CONNECTED') {
    return reject('NOT_CONNECTED', `you are not connected with user ${otherId}`);
  }
  return accept({ type: 'ConnectionLevelSet', userId, otherId, level });
}

export function decideRemoveConnection(
  command: Of<'RemoveConnection'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { userId, otherId } = command;
  if (userId !== actorId) return reject('FORBIDDEN', 'users can only remove their own connections');
  if (userId === otherId) return reject('CANNOT_TARGET_SELF', 'you cannot disconnect from yourself');
  if (!state.connection?.get(userId)) {
    return reject('NOT_CONNECTED', `you are neither connected with nor waiting on user ${otherId}`);
  }
  return accept({ type: 'ConnectionRemoved', userId, otherId });
}
