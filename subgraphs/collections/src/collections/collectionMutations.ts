import { DomainError, validUuid } from '@verograph/domain';
import type { PayloadBase } from '@verograph/subgraph-kit';
import { awaitReadModel, createdIdFor, payloadBase } from '@verograph/subgraph-kit';

import type { CollectionsContext } from '../context.ts';
import { ownedCollection, runCollectionCommand } from './collectionCommands.ts';
import type { CreateCollectionInput } from './collectionInput.ts';
import { validNewCollection } from './collectionInput.ts';
import type { CollectionRow } from './collectionsStore.ts';

export interface CollectionPayload extends PayloadBase {
  /** The collection as the read model shows it once the command is APPLIED; null otherwise. */
  readonly collection: CollectionRow | null;
}

interface ItemArgs {
  readonly collectionId: string;
  readonly postId: string;
  readonly clientMutationId?: string | null;
}

/**
 * After APPLIED, waits (until the deadline) for the projector to show the change, then reads
 * the collection past the request's cache, so the client reads its own write.
 */
async function freshCollection(
  ctx: CollectionsContext,
  collectionId: string,
  deadline: number,
  shows: () => Promise<boolean>,
): Promise<CollectionRow | null> {
  await awaitReadModel(shows, deadline);
  ctx.loaders.collection.clear(collectionId);
  ctx.loaders.visibleCount.clear(collectionId);
  return (await ctx.loaders.collection.load(collectionId)) ?? null;
}

/** A post the viewer may act on: missing, deleted and invisible posts all answer POST_NOT_FOUND. */
async function requireVisiblePost(ctx: CollectionsContext, postId: string, viewerId: string): Promise<void> {
  if (!(await ctx.services.items.postVisibleTo(postId, viewerId))) {
    throw new DomainError('POST_NOT_FOUND', `There is no post with id "${postId}".`, { field: 'postId' });
  }
}

/** createCollection, addToCollection and removeFromCollection. */
export const collectionMutations = {
  Mutation: {
    async createCollection(
      _: unknown,
      { input }: { input: CreateCollectionInput },
      ctx: CollectionsContext,
    ): Promise<CollectionPayload> {
      const fields = validNewCollection(input);
      const run = await runCollectionCommand(ctx, {
        mutation: 'createCollection',
        // The collection's id derives from the command's, so a resend never makes a second one.
        collectionId: (commandId) => createdIdFor(commandId, 'collection'),
        clientMutationId: input.clientMutationId,
        command: (viewerId, collectionId) => ({
          case: 'createCollection',
          value: { collectionId, ownerId: viewerId, title: fields.title, description: fields.description },
        }),
      });
      const collection =
        run.result.status === 'APPLIED'
          ? await freshCollection(ctx, run.collectionId, run.deadline, async () =>
              (await ctx.services.collections.collectionsByIds([run.collectionId])).has(run.collectionId),
            )
          : null;
      return { ...payloadBase(run.result, input.clientMutationId), collection };
    },

    async addToCollection(_: unknown, args: ItemArgs, ctx: CollectionsContext): Promise<CollectionPayload> {
      const collectionId = validUuid('collectionId', args.collectionId);
      const postId = validUuid('postId', args.postId);
      const run = await runCollectionCommand(ctx, {
        mutation: 'addToCollection',
        collectionId: () => collectionId,
        scope: [collectionId, postId],
        clientMutationId: args.clientMutationId,
        command: () => ({ case: 'addToCollection', value: { collectionId, postId } }),
        // On a resend too: a viewer who has lost sight of the post is told it does not exist
        // (a collection's owner never changes, so checking it again changes no resend's answer).
        async sees(viewerId) {
          await ownedCollection(ctx, collectionId, viewerId);
          await requireVisiblePost(ctx, postId, viewerId);
        },
      });
      const collection =
        run.result.status === 'APPLIED'
          ? await freshCollection(ctx, collectionId, run.deadline, () =>
              ctx.services.items.contains(collectionId, postId),
            )
          : null;
      return { ...payloadBase(run.result, args.clientMutationId), collection };
    },

    async removeFromCollection(_: unknown, args: ItemArgs, ctx: CollectionsContext): Promise<CollectionPayload> {
      const collectionId = validUuid('collectionId', args.collectionId);
      const postId = validUuid('postId', args.postId);
      const run = await runCollectionCommand(ctx, {
        mutation: 'removeFromCollection',
        collectionId: () => collectionId,
        scope: [collectionId, postId],
        clientMutationId: args.clientMutationId,
        command: () => ({ case: 'removeFromCollection', value: { collectionId, postId } }),
        // The owner may take out a post they can no longer see (its author narrowed the audience).
        check: async (viewerId) => void (await ownedCollection(ctx, collectionId, viewerId)),
      });
      const collection =
        run.result.status === 'APPLIED'
          ? await freshCollection(
              ctx,
              collectionId,
              run.deadline,
              async () => !(await ctx.services.items.contains(collectionId, postId)),
            )
          : null;
      return { ...payloadBase(run.result, args.clientMutationId), collection };
    },
  },
};
