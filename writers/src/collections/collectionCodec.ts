import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { CollectionEventSchema } from '@verograph/contracts/collections/v1/events';

import type { Decoded, RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import {
  commandMeta,
  envelopeFromProto,
  envelopeToProto,
  fromTimestamp,
  isCommandMeta,
  parse,
  toTimestamp,
} from '../writer/envelope.ts';
import type { CollectionCommand, CollectionEvent } from './collectionModel.ts';

/** A collections.commands record as a domain command, or why it is poison. */
export function decodeCollectionCommand(bytes: Uint8Array): Decoded<CollectionCommand> {
  const parsed = parse(CollectionCommandSchema, bytes);
  if (!parsed.ok) return parsed;
  const meta = commandMeta(parsed.message.envelope);
  if (!isCommandMeta(meta)) return meta;
  const { command } = parsed.message;
  const ok = (c: CollectionCommand): Decoded<CollectionCommand> => ({ ok: true, meta, command: c });
  switch (command.case) {
    case 'createCollection':
      return ok({
        type: 'CreateCollection',
        collectionId: command.value.collectionId,
        ownerId: command.value.ownerId,
        title: command.value.title,
        description: command.value.description,
      });
    case 'addToCollection':
      return ok({ type: 'AddToCollection', collectionId: command.value.collectionId, postId: command.value.postId });
    case 'removeFromCollection':
      return ok({
        type: 'RemoveFromCollection',
        collectionId: command.value.collectionId,
        postId: command.value.postId,
      });
    case undefined:
      return { ok: false, code: 'UNKNOWN_COMMAND', reason: 'the CollectionCommand names no command this writer knows' };
    default:
      return assertNever(command);
  }
}

function eventMessage(event: CollectionEvent): NonNullable<MessageInitShape<typeof CollectionEventSchema>['event']> {
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

export function encodeCollectionEvent({ event, envelope }: RecordedEvent<CollectionEvent>): Uint8Array {
  return toBinary(
    CollectionEventSchema,
    create(CollectionEventSchema, { envelope: envelopeToProto(envelope), event: eventMessage(event) }),
  );
}

/** Reads back an event the collections writer recorded; anything else is a bug, and throws. */
export function decodeCollectionEvent(bytes: Uint8Array): RecordedEvent<CollectionEvent> {
  const parsed = parse(CollectionEventSchema, bytes);
  if (!parsed.ok) throw new Error(`a recorded collections event does not decode: ${parsed.reason}`);
  const { envelope, event } = parsed.message;
  const domain = ((): CollectionEvent => {
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
      case undefined:
        throw new Error('a recorded collections event names no event');
      default:
        return assertNever(event);
    }
  })();
  return { event: domain, envelope: envelopeFromProto(envelope) };
}
