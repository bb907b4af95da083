import type { WriteClock } from '../cassandra/writeClock.ts';
import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { usersToRecount } from './countersPlan.ts';
import type { CountersStore } from './countersStore.ts';

export interface CountersDeps {
  readonly store: CountersStore;
  readonly clock: WriteClock;
}

/**
 * The counters projector: `user_counts` as absolute values recounted from the system of record
 * for every user an event touches. Two recounts racing for one user write at the timestamps
 * taken before they counted, so the later count wins and no concurrent update is lost.
 */
export function createCountersProjector(deps: CountersDeps, groupId = 'projectors.counters'): Projector {
  return {
    name: 'counters',
    groupId,
    streams: ['users'],
    handle: (event, context) => handleCountersEvent(event, deps, context),
  };
}

export function handleCountersEvent(
  projected: ProjectedEvent,
  deps: CountersDeps,
  context: DeliveryContext,
): Promise<HandlerOutcome> {
  return applying(async () => {
    for (const userId of new Set(usersToRecount(projected))) {
      const at = deps.clock();
      const counts = await deps.store.count(userId);
      await deps.store.write(userId, counts, at);
      context.log.debug(
        {
          userId,
          followers: String(counts.followers),
          followings: String(counts.followings),
          connections: String(counts.connections),
        },
        'counts recomputed',
      );
    }
  });
}
