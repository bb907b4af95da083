import { accept, reject, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { UserCommand, UserEvent, UserState } from './userModel.ts';

type Follow = Extract<UserCommand, { type: 'Follow' }>;
type Unfollow = Extract<UserCommand, { type: 'Unfollow' }>;

/** Follow: one-sided; anyone with a profile may follow anyone else who has one. */
export function decideFollow(command: Follow, state: UserState, { actorId }: DecisionContext): Decision<UserEvent> {
  if (command.followerId !== actorId) return reject('FORBIDDEN', 'users can only follow on their own behalf');
  if (command.followerId === command.followeeId) return reject('CANNOT_TARGET_SELF', 'you cannot follow yourself');
  if (!state.profiles.has(command.followerId))
    return reject('PROFILE_REQUIRED', 'create a profile before following anyone');
  if (!state.profiles.has(command.followeeId)) return reject('NOT_FOUND', `user ${command.followeeId} does not exist`);
  if (state.following) return reject('ALREADY_FOLLOWING', `you already follow user ${command.followeeId}`);
  return accept({ type: 'Followed', followerId: command.followerId, followeeId: command.followeeId });
}

export function decideUnfollow(command: Unfollow, state: UserState, { actorId }: DecisionContext): Decision<UserEvent> {
  if (command.followerId !== actorId) return reject('FORBIDDEN', 'users can only unfollow on their own behalf');
  if (command.followerId === command.followeeId) return reject('CANNOT_TARGET_SELF', 'you cannot unfollow yourself');
  if (!state.following) return reject('NOT_FOLLOWING', `you do not follow user ${command.followeeId}`);
  return accept({ type: 'Unfollowed', followerId: command.followerId, followeeId: command.followeeId });
}
