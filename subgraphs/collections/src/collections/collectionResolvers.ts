import { validUuid } from '@verograph/domain';
import type { Connection } from '@verograph/subgraph-kit';
import { connectionOf, pageSize } from '@verograph/subgraph-kit';

import type { CollectionsContext } from '../context.ts';
import { decodeItemCursor, encodeItemCursor } from '../items/itemCursor.ts';
import { decodeCollectionCursor, encodeCollectionCursor } from './collectionCursor.ts';
import type { CollectionRow } from './collectionsStore.ts';

/** An entity the gateway asks this subgraph to complete: only its key is known. */
interface Reference {
  readonly id: string;
}

/** A Post this subgraph names (the posts subgraph completes it), with its place in the collection. */
export interface PostReference {
  readonly __typename: 'Post';
  readonly id: string;
  readonly position: string;
}

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** A collection id as stored (a lower-case UUID), or undefined when it cannot name a collection. */
export function collectionIdOf(raw: string): string | undefined {
  try {
    return validUuid('id', raw);
  } catch {
    return undefined;
  }
}

/** Collection.posts: the owner's order, leaving out what the viewer may not see. */
async function collectionPosts(
  collection: CollectionRow,
  args: PageArgs,
  ctx: CollectionsContext,
): Promise<Connection<PostReference>> {
  const want = pageSize(args.first);
  const after = decodeItemCursor(args.after);
  const rows = await ctx.loaders.itemsPage.load({ collectionId: collection.id, after, limit: want + 1 });
  const posts = rows.slice(0, want).map((item) => ({
    __typename: 'Post' as const,
    id: item.postId,
    position: item.position,
  }));
  return connectionOf(
    posts,
    (post) => encodeItemCursor({ position: post.position, postId: post.id }),
    rows.length > want,
  );
}

/** User.collections: the user's collections, newest first, visible to everyone. */
async function userCollections(
  user: Reference,
  args: PageArgs,
  ctx: CollectionsContext,
): Promise<Connection<CollectionRow>> {
  const want = pageSize(args.first);
  const after = decodeCollectionCursor(args.after);
  const rows = await ctx.services.collections.ownerCollections(user.id, after, want + 1);
  // Later fields (title, postCount) of these collections read the request's cache, not the store.
  for (const row of rows) ctx.loaders.collection.prime(row.id, row);
  return connectionOf(
    rows.slice(0, want),
    (row) => encodeCollectionCursor({ us: row.createdMicros, id: row.id }),
    rows.length > want,
  );
}

/** Query.collection, the Collection entity with its viewer-filtered posts, and User.collections. */
export const collectionResolvers = {
  Query: {
    /** Collections are public; only their posts are filtered. INVALID_ID for a malformed id. */
    async collection(_: unknown, args: { id: string }, ctx: CollectionsContext): Promise<CollectionRow | null> {
      return (await ctx.loaders.collection.load(validUuid('id', args.id))) ?? null;
    },
  },

  Collection: {
    /** Batched: every reference in one gateway fetch becomes one `= ANY` query. */
    async __resolveReference(reference: Reference, ctx: CollectionsContext): Promise<CollectionRow | null> {
      const id = collectionIdOf(reference.id);
      return id === undefined ? null : ((await ctx.loaders.collection.load(id)) ?? null);
    },
    owner: (collection: CollectionRow) => ({ __typename: 'User', id: collection.ownerId }),
    postCount: (collection: CollectionRow, _: unknown, ctx: CollectionsContext) =>
      ctx.loaders.visibleCount.load(collection.id),
    posts: collectionPosts,
  },

  User: {
    /** This subgraph adds `collections` to any user; it keeps no users of its own. */
    __resolveReference: (reference: Reference) => ({ __typename: 'User', id: reference.id }),
    collections: userCollections,
  },
};
