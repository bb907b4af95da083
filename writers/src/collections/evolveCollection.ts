import { assertNever } from '../writer/decision.ts';
import type { CollectionCommand, CollectionEvent, CollectionState } from './collectionModel.ts';

/** What a collections command reads once an event of its collection is written (see `AggregateWriter.evolve`). */
export function evolveCollectionState(
  state: CollectionState,
  command: CollectionCommand,
  event: CollectionEvent,
): CollectionState {
  const samePost = command.type !== 'CreateCollection' && 'postId' in event && command.postId === event.postId;
  switch (event.type) {
    case 'CollectionCreated':
      return { ...state, collection: { ownerId: event.ownerId, nextPosition: 1 } };
    case 'PostAddedToCollection':
      return {
        ...state,
        collection: state.collection && { ...state.collection, nextPosition: event.position + 1 },
        ...(samePost && { inCollection: true }),
      };
    case 'PostRemovedFromCollection':
      return samePost ? { ...state, inCollection: false } : state;
    default:
      return assertNever(event);
  }
}
