import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { CollectionEventSchema } from '@verograph/contracts/collections/v1/events';

import { commandDecoder, eventDecoder, eventEncoder, type EventInit } from '../writer/codec.ts';
import { assertNever } from '../writer/decision.ts';
import { fromTimestamp, toTimestamp } from '../writer/envelope.ts';
import type { CollectionCommand, CollectionEvent } from './collectionModel.ts';

/** A collections.commands record as a domain command, or why it is poison. */
export const decodeCollectionCommand = commandDecoder(CollectionCommandSchema, (command): CollectionCommand => {
  switch (command.case) {
    case 'createCollection':
      return {
        type: 'CreateCollection',
        collectionId: command.value.collectionId,
        ownerId: command.value.ownerId,
        title: command.value.title,
        description: command.value.description,
      };
    case 'addToCollection':
      return { type: 'AddToCollection', collectionId: command.value.collectionId, postId: command.value.postId };
    case 'removeFromCollection':
      return {
        type: 'RemoveFromCollection',
        collectionId: command.value.collectionId,
        postId: command.value.postId,
      };
    default:
      return assertNever(command);
  }
});

function eventMessage(event: CollectionEvent): EventInit<typeof CollectionEventSchema> {
  switch (event.type) {
    case 'CollectionCreated':
      return {
        case: 'collectionCreated',
        value: {
          collectionId: event.collectionId,
          ownerId: event.ownerId,
          title: event.title,
          description: event.description,
          createdAt: toTimestamp(event.createdAt),
        },
      };
    case 'PostAddedToCollection':
      return {
        case: 'postAddedToCollection',
        value: {
          collectionId: event.collectionId,
          postId: event.postId,
          position: BigInt(event.position),
          addedAt: toTimestamp(event.addedAt),
        },
      };
    case 'PostRemovedFromCollection':
      return {
        case: 'postRemovedFromCollection',
        value: { collectionId: event.collectionId, postId: event.postId },
      };
    default:
      return assertNever(event);
  }
}

export const encodeCollectionEvent = eventEncoder(CollectionEventSchema, eventMessage);

/** Reads back an event the collections writer recorded; anything else is a bug, and throws. */
export const decodeCollectionEvent = eventDecoder(CollectionEventSchema, 'collections', (event): CollectionEvent => {
  switch (event.case) {
    case 'collectionCreated':
      return {
        type: 'CollectionCreated',
        collectionId: event.value.collectionId,
        ownerId: event.value.ownerId,
        title: event.value.title,
        description: event.value.description,
        createdAt: fromTimestamp(event.value.createdAt),
      };
    case 'postAddedToCollection':
      return {
        type: 'PostAddedToCollection',
        collectionId: event.value.collectionId,
        postId: event.value.postId,
        position: Number(event.value.position),
        addedAt: fromTimestamp(event.value.addedAt),
      };
    case 'postRemovedFromCollection':
      return {
        type: 'PostRemovedFromCollection',
        collectionId: event.value.collectionId,
        postId: event.value.postId,
      };
    default:
      return assertNever(event);
  }
});
