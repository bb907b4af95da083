import type { UserEvent } from '@verograph/contracts/users/v1/events';
import type { ConnectionLevel } from '@verograph/domain';

import { levelOf, required } from './projectedEvent.ts';

/**
 * What one users event says about how one author relates to one viewer — the two facts the
 * audience rule reads: whether the viewer follows the author, and how the author files the viewer.
 * A field left undefined is not touched by the event.
 */
export interface RelationChange {
  readonly authorId: string;
  readonly viewerId: string;
  /** Set by Followed (true) and Unfollowed (false). */
  readonly follows?: boolean;
  /** How the author files the viewer; null when they stop being connected. */
  readonly level?: ConnectionLevel | null;
  /**
   * A level change only refiles an existing connection: it must never make two users connected
   * (ConnectionAccepted does that), even if an event arrives for a pair that is not.
   */
  readonly onlyIfConnected?: boolean;
}

/**
 * The author/viewer pairs a users event changes, and how. Connection events touch both
 * directions except a level change, which is one side filing the other.
 */
export function relationChanges(event: UserEvent): RelationChange[] {
  const body = event.event;
  switch (body.case) {
    case 'followed':
      return [{ ...followPair(body.value, 'Followed'), follows: true }];
    case 'unfollowed':
      return [{ ...followPair(body.value, 'Unfollowed'), follows: false }];
    case 'connectionAccepted': {
      const requester = required(body.value.requesterId, 'ConnectionAccepted.requester_id');
      const accepter = required(body.value.accepterId, 'ConnectionAccepted.accepter_id');
      return [
        {
          authorId: requester,
          viewerId: accepter,
          level: levelOf(body.value.requesterLevel, 'ConnectionAccepted.requester_level'),
        },
        {
          authorId: accepter,
          viewerId: requester,
          level: levelOf(body.value.accepterLevel, 'ConnectionAccepted.accepter_level'),
        },
      ];
    }
    case 'connectionLevelSet':
      return [
        {
          authorId: required(body.value.userId, 'ConnectionLevelSet.user_id'),
          viewerId: required(body.value.otherId, 'ConnectionLevelSet.other_id'),
          level: levelOf(body.value.level, 'ConnectionLevelSet.level'),
          onlyIfConnected: true,
        },
      ];
    case 'connectionRemoved': {
      const user = required(body.value.userId, 'ConnectionRemoved.user_id');
      const other = required(body.value.otherId, 'ConnectionRemoved.other_id');
      return [
        { authorId: user, viewerId: other, level: null },
        { authorId: other, viewerId: user, level: null },
      ];
    }
    // A request changes nobody's audience until it is accepted, so neither does declining or
    // withdrawing it; profiles are not relations.
    case 'connectionRequested':
    case 'connectionDeclined':
    case 'connectionRequestCancelled':
    case 'profileCreated':
    case 'profileUpdated':
    case 'notificationsMarkedRead':
    case undefined:
      return [];
    default:
      return unhandled(body);
  }
}

function followPair(value: { followerId: string; followeeId: string }, what: string) {
  return {
    authorId: required(value.followeeId, `${what}.followee_id`),
    viewerId: required(value.followerId, `${what}.follower_id`),
  };
}

function unhandled(body: never): never {
  throw new Error(`relationChanges: unhandled users event ${JSON.stringify(body)}`);
}
