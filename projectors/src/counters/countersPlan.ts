import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { required } from '../events/projectedEvent.ts';

/**
 * The users whose follower, following or connection counts an event may change. Their counts
 * are then recomputed from the system of record, never incremented, so a replay cannot
 * double-count. A profile's creation gives it its first (zero) counts.
 */
export function usersToRecount(projected: ProjectedEvent): string[] {
  if (projected.stream !== 'users') return [];
  const body = projected.event.event;
  switch (body.case) {
    case 'profileCreated':
      return [required(body.value.userId, 'ProfileCreated.user_id')];
    case 'followed':
    case 'unfollowed':
      return [
        required(body.value.followerId, 'Follow event follower_id'),
        required(body.value.followeeId, 'Follow event followee_id'),
      ];
    case 'connectionAccepted':
      return [
        required(body.value.requesterId, 'ConnectionAccepted.requester_id'),
        required(body.value.accepterId, 'ConnectionAccepted.accepter_id'),
      ];
    case 'connectionRemoved':
      return [
        required(body.value.userId, 'ConnectionRemoved.user_id'),
        required(body.value.otherId, 'ConnectionRemoved.other_id'),
      ];
    // A pending request is not a connection (nor is one declined or withdrawn); levels and
    // profile edits change no count.
    case 'connectionRequested':
    case 'connectionDeclined':
    case 'connectionRequestCancelled':
    case 'connectionLevelSet':
    case 'profileUpdated':
    case 'notificationsMarkedRead':
    case undefined:
      return [];
    default: {
      const unknown: never = body;
      throw new Error(`usersToRecount: unhandled users event ${JSON.stringify(unknown)}`);
    }
  }
}

/** A user's counts, as the users subgraph shows them. */
export interface UserCounts {
  readonly followers: bigint;
  readonly followings: bigint;
  readonly connections: bigint;
}
