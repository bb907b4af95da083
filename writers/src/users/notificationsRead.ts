import { accept, reject, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { UserCommand, UserEvent } from './userModel.ts';

type MarkNotificationsRead = Extract<UserCommand, { type: 'MarkNotificationsRead' }>;

/**
 * MarkNotificationsRead: a user marks their own notifications read up to one of them. The
 * marker is the notifications read model's (its projector keeps it, forward only); the writer
 * checks who asks and that the position is whole, and records the fact.
 */
export function decideMarkNotificationsRead(
  command: MarkNotificationsRead,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  if (command.userId !== actorId) return reject('FORBIDDEN', 'users can only mark their own notifications read');
  if (command.upToTime === undefined || command.upToId === '')
    return reject('INVALID_CURSOR', 'upTo must be the cursor of one of your notifications');
  return accept({
    type: 'NotificationsMarkedRead',
    userId: command.userId,
    upToTime: command.upToTime,
    upToId: command.upToId,
  });
}
