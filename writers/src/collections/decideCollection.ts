import { limits, validLine, validText } from '@verograph/domain';

import {
  accept,
  assertNever,
  canonicalUuid,
  reject,
  validated,
  type Decision,
  type DecisionContext,
} from '../writer/decision.ts';
import type { CollectionCommand, CollectionEvent, CollectionState } from './collectionModel.ts';

type Of<T extends CollectionCommand['type']> = Extract<CollectionCommand, { type: T }>;

/** The collections writer's decision: pure, given the command, what is known, and the clock. */
export function decideCollection(
  command: CollectionCommand,
  state: CollectionState,
  context: DecisionContext,
): Decision<CollectionEvent> {
  switch (command.type) {
    case 'CreateCollection':
      return decideCreateCollection(command, state, context);
    case 'AddToCollection':
      return decideAddToCollection(command, state, context);
    case 'RemoveFromCollection':
      return decideRemoveFromCollection(command, state, context);
    default:
      return assertNever(command);
  }
}

/** Every collections command belongs to its collection. */
export function collectionAggregateId(command: CollectionCommand): string {
  return command.collectionId;
}

export function decideCreateCollection(
  command: Of<'CreateCollection'>,
  state: CollectionState,
  { actorId, now }: DecisionContext,
): Decision<CollectionEvent> {
  if (command.ownerId !== actorId) return reject('FORBIDDEN', 'collections can only be created by their owner');
  const badId = canonicalUuid('collectionId', command.collectionId);
  if (badId) return { rejection: badId };
  const fields = validated(() => ({
    title: validLine('title', command.title, limits.collectionTitleMax, true),
    description: validText('description', command.description, limits.collectionDescriptionMax),
  }));
  if (!fields.ok) return { rejection: fields.rejection };
  if (!state.ownerHasProfile) return reject('PROFILE_REQUIRED', 'create a profile before creating collections');
  if (state.collection) return reject('COLLECTION_EXISTS', `collection ${command.collectionId} already exists`);
  return accept({
    type: 'CollectionCreated',
    collectionId: command.collectionId,
    ownerId: command.ownerId,
    ...fields.value,
    createdAt: now,
  });
}

export function decideAddToCollection(
  command: Of<'AddToCollection'>,
  { collection, postExists, inCollection }: CollectionState,
  { actorId, now }: DecisionContext,
): Decision<CollectionEvent> {
  if (!collection) return reject('COLLECTION_NOT_FOUND', `collection ${command.collectionId} does not exist`);
  if (collection.ownerId !== actorId)
    return reject('NOT_COLLECTION_OWNER', 'only the owner of a collection can change it');
  const badId = canonicalUuid('postId', command.postId);
  if (badId) return { rejection: badId };
  if (!postExists) return reject('POST_NOT_FOUND', `post ${command.postId} does not exist`);
  if (inCollection) return reject('ALREADY_IN_COLLECTION', 'the post is already in this collection');
  return accept({
    type: 'PostAddedToCollection',
    collectionId: command.collectionId,
    postId: command.postId,
    position: collection.nextPosition,
    addedAt: now,
  });
}

export function decideRemoveFromCollection(
  command: Of<'RemoveFromCollection'>,
  { collection, inCollection }: CollectionState,
  { actorId }: DecisionContext,
): Decision<CollectionEvent> {
  if (!collection) return reject('COLLECTION_NOT_FOUND', `collection ${command.collectionId} does not exist`);
  if (collection.ownerId !== actorId)
    return reject('NOT_COLLECTION_OWNER', 'only the owner of a collection can change it');
  if (!inCollection) return reject('NOT_IN_COLLECTION', 'the post is not in this collection');
  return accept({ type: 'PostRemovedFromCollection', collectionId: command.collectionId, postId: command.postId });
}
