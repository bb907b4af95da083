import { connectionId } from '@verograph/domain';

import { assertNever, type Decision, type DecisionContext } from '../writer/decision.ts';
import {
  decideAcceptConnection,
  decideRemoveConnection,
  decideRequestConnection,
  decideSetConnectionLevel,
} from './connections.ts';
import { decideCancelConnectionRequest, decideDeclineConnection } from './connectionRequests.ts';
import { decideFollow, decideUnfollow } from './follows.ts';
import { decideMarkNotificationsRead } from './notificationsRead.ts';
import { decideCreateProfile, decideUpdateProfile } from './profiles.ts';
import type { UserCommand, UserEvent, UserState } from './userModel.ts';

/** The users writer's decision: pure, given the command, what is known, and the clock. */
export function decideUser(command: UserCommand, state: UserState, context: DecisionContext): Decision<UserEvent> {
  switch (command.type) {
    case 'CreateProfile':
      return decideCreateProfile(command, state, context);
    case 'UpdateProfile':
      return decideUpdateProfile(command, state, context);
    case 'Follow':
      return decideFollow(command, state, context);
    case 'Unfollow':
      return decideUnfollow(command, state, context);
    case 'RequestConnection':
      return decideRequestConnection(command, state, context);
    case 'AcceptConnection':
      return decideAcceptConnection(command, state, context);
    case 'SetConnectionLevel':
      return decideSetConnectionLevel(command, state, context);
    case 'RemoveConnection':
      return decideRemoveConnection(command, state, context);
    case 'DeclineConnection':
      return decideDeclineConnection(command, state, context);
    case 'CancelConnectionRequest':
      return decideCancelConnectionRequest(command, state, context);
    case 'MarkNotificationsRead':
      return decideMarkNotificationsRead(command, context);
    default:
      return assertNever(command);
  }
}

/**
 * The aggregate a users command belongs to (and its record key): the user for profiles and
 * follows (the follower), the pair for connections.
 */
export function userAggregateId(command: UserCommand): string {
  switch (command.type) {
    case 'CreateProfile':
    case 'UpdateProfile':
    case 'MarkNotificationsRead':
      return command.userId;
    case 'Follow':
    case 'Unfollow':
      return command.followerId;
    case 'RequestConnection':
      return connectionId(command.requesterId, command.addresseeId);
    case 'AcceptConnection':
      return connectionId(command.accepterId, command.requesterId);
    case 'SetConnectionLevel':
    case 'RemoveConnection':
      return connectionId(command.userId, command.otherId);
    case 'DeclineConnection':
      return connectionId(command.declinerId, command.requesterId);
    case 'CancelConnectionRequest':
      return connectionId(command.requesterId, command.addresseeId);
    default:
      return assertNever(command);
  }
}
