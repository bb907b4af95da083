import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying, deadLetter } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { collectionsOpsFor } from './collectionsPlan.ts';
import { MissingCollectionError, type CollectionsStore } from './collectionsStore.ts';

export interface CollectionsDeps {
  readonly store: CollectionsStore;
}

/**
 * The collections projector: collections and their items, post audiences and audience grants
 * in PostgreSQL, one transaction per event, so the collections subgraph can leave out what a
 * viewer may not see without leaving PostgreSQL.
 */
export function createCollectionsProjector(deps: CollectionsDeps, groupId = 'projectors.collections'): Projector {
  return {
    name: 'collections',
    groupId,
    streams: ['collections', 'posts', 'users'],
    handle: (event, context) => handleCollectionsEvent(event, deps, context),
  };
}

export async function handleCollectionsEvent(
  projected: ProjectedEvent,
  deps: CollectionsDeps,
  context: DeliveryContext,
): Promise<HandlerOutcome> {
  try {
    return await applying(async () => {
      const ops = collectionsOpsFor(projected);
      await deps.store.apply(ops);
      if (ops.length > 0) context.log.debug({ ops: ops.map((o) => o.op) }, 'collections read model updated');
    });
  } catch (error) {
    // Items arrive after their collection on the same partition; a missing one will not appear by retrying.
    if (error instanceof MissingCollectionError) return deadLetter(error.code, error.message);
    throw error;
  }
}
