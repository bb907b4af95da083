import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { searchChangesFor } from './searchDocs.ts';
import type { SearchStore } from './searchStore.ts';

export interface SearchDeps {
  readonly store: SearchStore;
}

/**
 * The search projector: user docs from profile events, post docs from post events (a deleted
 * post becomes a tombstone), and one audience doc per viewer from follow and connection events.
 */
export function createSearchProjector(deps: SearchDeps, groupId = 'projectors.search'): Projector {
  return {
    name: 'search',
    groupId,
    streams: ['users', 'posts'],
    handle: (event, context) => handleSearchEvent(event, deps, context),
  };
}

export function handleSearchEvent(
  projected: ProjectedEvent,
  deps: SearchDeps,
  context: DeliveryContext,
): Promise<HandlerOutcome> {
  return applying(async () => {
    for (const change of searchChangesFor(projected)) {
      // The union's evolve types line up with their targets; the store is generic over docs.
      const result = await deps.store.evolve(
        change.target,
        change.id,
        change.evolve as (doc: object | undefined) => object,
      );
      context.log.debug({ target: change.target, id: change.id, result }, 'search document evolved');
    }
  });
}
