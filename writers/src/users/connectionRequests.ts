import { accept, reject, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { UserCommand, UserEvent, UserState } from './userModel.ts';

type Of<T extends UserCommand['type']> = Extract<UserCommand, { type: T }>;

/**
 * Answering a pending request without accepting it: the addressee declines, or the requester
 * withdraws. Either way the pair goes back to no rows at all, so both sides stop seeing it and
 * either may ask again. Unlike RemoveConnection, each is refused on a connection that exists
 * (declining is not disconnecting) and on a request going the other way.
 */
export function decideDeclineConnection(
  command: Of<'DeclineConnection'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { declinerId, requesterId } = command;
  if (declinerId !== actorId) return reject('FORBIDDEN', 'users can only decline requests made to them');
  if (declinerId === requesterId) return reject('CANNOT_TARGET_SELF', 'you cannot decline yourself');
  const mine = state.connection?.get(declinerId);
  if (mine?.state === 'CONNECTED') {
    return reject('CONNECTION_EXISTS', `you are already connected with user ${requesterId}: use removeConnection`);
  }
  if (mine?.state !== 'INCOMING') {
    return reject('NO_PENDING_REQUEST', `user ${requesterId} has not asked to connect with you`);
  }
  return accept({ type: 'ConnectionDeclined', declinerId, requesterId });
}

export function decideCancelConnectionRequest(
  command: Of<'CancelConnectionRequest'>,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  const { requesterId, addresseeId } = command;
  if (requesterId !== actorId) return reject('FORBIDDEN', 'users can only withdraw their own requests');
  if (requesterId === addresseeId) return reject('CANNOT_TARGET_SELF', 'you cannot withdraw a request to yourself');
  const mine = state.connection?.get(requesterId);
  if (mine?.state === 'CONNECTED') {
    return reject('CONNECTION_EXISTS', `you are already connected with user ${addresseeId}: use removeConnection`);
  }
  if (mine?.state !== 'OUTGOING') {
    return reject('NO_PENDING_REQUEST', `you have not asked user ${addresseeId} to connect`);
  }
  return accept({ type: 'ConnectionRequestCancelled', requesterId, addresseeId });
}
