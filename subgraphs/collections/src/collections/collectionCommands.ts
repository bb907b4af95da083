import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { DomainError, validUserId } from '@verograph/domain';
import type { CommandResult } from '@verograph/subgraph-kit';
import { commandIdFor, hasIdempotencyKey, idempotencyKeyOf, requireViewer } from '@verograph/subgraph-kit';

import type { CollectionsContext } from '../context.ts';
import type { CollectionRow } from './collectionsStore.ts';

export interface CollectionCommandSpec {
  /** The GraphQL mutation's name. */
  readonly mutation: string;
  /** The collection the command is about; for createCollection it derives from the command id. */
  readonly collectionId: (commandId: string) => string;
  /** The mutation's target, part of the command id (see `commandIdFor`). */
  readonly scope?: readonly string[];
  readonly clientMutationId: string | null | undefined;
  readonly command: (
    viewerId: string,
    collectionId: string,
  ) => MessageInitShape<typeof CollectionCommandSchema>['command'];
  /**
   * Whether the viewer may see the command's target now: checked on every send, a resend
   * answered from the record included (see `CommandRights.sees`).
   */
  readonly sees?: (viewerId: string) => Promise<void>;
  /** The viewer's rights, checked against the read model when the command is new. */
  readonly check?: (viewerId: string) => Promise<void>;
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
  const viewerId = validUserId('viewer', requireViewer(ctx.viewer.viewerId, 'create or change collections'));
  const { bus, commandsTopic } = ctx.services;
  const deadline = Date.now() + bus.waitMs;
  const idempotencyKey = idempotencyKeyOf(spec.clientMutationId, ctx.viewer.idempotencyKey);
  const commandId = commandIdFor({
    secret: ctx.services.idSecret,
    viewerId,
    mutation: spec.mutation,
    idempotencyKey,
    scope: spec.scope,
  });
  const collectionId = spec.collectionId(commandId);
  const result = await bus.dispatch(
    {
      topic: commandsTopic,
      aggregateId: collectionId,
      commandId,
      // A fresh id (no idempotency key) has no recorded decision to look up.
      resendable: hasIdempotencyKey(idempotencyKey),
      actorId: viewerId,
      trace: ctx.viewer.trace,
      encode: (envelope) =>
        toBinary(
          CollectionCommandSchema,
          create(CollectionCommandSchema, { envelope, command: spec.command(viewerId, collectionId) }),
        ),
    },
    {
      sees: spec.sees && (() => spec.sees!(viewerId)),
      check: spec.check && (() => spec.check!(viewerId)),
    },
    { sentAt: ctx.viewer.sentAt },
  );
  return { viewerId, collectionId, result, deadline };
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
