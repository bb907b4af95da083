import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { DomainError } from '@verograph/domain';
import type { CommandResult, CommandSpec } from '@verograph/subgraph-kit';
import { sendViewerCommand } from '@verograph/subgraph-kit';

import type { CollectionsContext } from '../context.ts';
import type { CollectionRow } from './collectionsStore.ts';

export interface CollectionCommandSpec extends CommandSpec {
  /** The collection the command is about; for createCollection it derives from the command id. */
  readonly collectionId: (commandId: string) => string;
  readonly command: (
    viewerId: string,
    collectionId: string,
  ) => MessageInitShape<typeof CollectionCommandSchema>['command'];
}

export interface CollectionCommandRun {
  readonly viewerId: string;
  readonly collectionId: string;
  readonly result: CommandResult;
  /** Until when the payload may wait for the read model to show the change. */
  readonly deadline: number;
}

/** Publishes one `CollectionCommand` on collections.commands, keyed by collection id, and awaits its outcome. */
export async function runCollectionCommand(
  ctx: CollectionsContext,
  spec: CollectionCommandSpec,
): Promise<CollectionCommandRun> {
  const { viewerId, aggregateId, result, deadline } = await sendViewerCommand(ctx.viewer, ctx.services, {
    ...spec,
    signInTo: 'create or change collections',
    aggregateId: ({ commandId }) => spec.collectionId(commandId),
    encode: (envelope, { viewerId, aggregateId }) =>
      toBinary(
        CollectionCommandSchema,
        create(CollectionCommandSchema, { envelope, command: spec.command(viewerId, aggregateId) }),
      ),
  });
  return { viewerId, collectionId: aggregateId, result, deadline };
}

/**
 * A collection the viewer owns. COLLECTION_NOT_FOUND when there is none (collections are
 * public, so saying so leaks nothing), NOT_COLLECTION_OWNER when it is someone else's.
 */
export async function ownedCollection(
  ctx: CollectionsContext,
  collectionId: string,
  viewerId: string,
): Promise<CollectionRow> {
  const collection = await ctx.loaders.collection.load(collectionId);
  if (collection === undefined) {
    throw new DomainError('COLLECTION_NOT_FOUND', `There is no collection with id "${collectionId}".`, {
      field: 'collectionId',
    });
  }
  if (collection.ownerId !== viewerId) {
    throw new DomainError('NOT_COLLECTION_OWNER', 'Only the owner of a collection can change it.', {
      field: 'collectionId',
    });
  }
  return collection;
}
