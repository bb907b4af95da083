import type { Audience } from '@verograph/domain';
import { validUuid } from '@verograph/domain';
import type { Connection } from '@verograph/subgraph-kit';
import {
  connectionFromScan,
  decodeTimeCursor,
  emptyConnection,
  encodeTimeCursor,
  pageSize,
  scanPage,
} from '@verograph/subgraph-kit';

import type { PostsContext } from '../context.ts';
import { visiblePost } from '../context.ts';
import type { PostIndexEntry, PostKind, PostRow } from './postsStore.ts';

/** A reference to an entity: only its key is known. */
interface Reference {
  readonly id: string;
}

/** A reference's id as stored (a UUID), or undefined when it cannot name a post or a comment. */
export function referencedId(id: string): string | undefined {
  try {
    return validUuid('id', id);
  } catch {
    return undefined;
  }
}

/**
 * Rows of an author's index (or a feed) become the posts the viewer may see: the index's
 * audience and kind prune first, then one batched read of the posts and the audience rule.
 */
export async function visiblePosts(
  ctx: PostsContext,
  entries: readonly PostIndexEntry[],
  admit: (entry: PostIndexEntry) => boolean = () => true,
): Promise<Array<PostRow | undefined>> {
  const posts = await Promise.all(
    entries.map((entry) => (admit(entry) ? ctx.loaders.post.load(entry.postId) : Promise.resolve(undefined))),
  );
  return ctx.visibility.visible(posts.map((post) => (post === undefined || post.deleted ? undefined : post)));
}

/** How many index rows one page reads per round trip, and at most how many round trips. */
export function scanBudget(want: number): { chunkSize: number; maxChunks: number } {
  return { chunkSize: Math.min(Math.max(want + 1, 20), 200), maxChunks: 5 };
}

/** User.posts: the user's posts the viewer may see, newest first, optionally of one kind. */
async function userPosts(
  user: Reference,
  args: { first?: number | null; after?: string | null; kind?: PostKind | null },
  ctx: PostsContext,
): Promise<Connection<PostRow>> {
  const want = pageSize(args.first);
  const after = decodeTimeCursor(args.after);
  // One relation lookup decides which audiences of this author are visible at all.
  const audiences: readonly Audience[] = await ctx.visibility.audiencesOf(user.id);
  if (audiences.length === 0) return emptyConnection();
  const page = await scanPage({
    want,
    after,
    ...scanBudget(want),
    fetch: async (from, limit) => {
      const rows = await ctx.services.posts.authorPosts(user.id, from, limit);
      return { rows, done: rows.length < limit };
    },
    keyOf: (entry) => entry.key,
    keep: (entries) =>
      visiblePosts(
        ctx,
        entries,
        (entry) =>
          (entry.audience === undefined || audiences.includes(entry.audience)) &&
          (args.kind === null || args.kind === undefined || entry.kind === args.kind),
      ),
  });
  return connectionFromScan(page, encodeTimeCursor);
}

/** Query.post, the Post entity and its fields, and User.posts. */
export const postResolvers = {
  Query: {
    async post(_: unknown, args: { id: string }, ctx: PostsContext): Promise<PostRow | null> {
      return (await visiblePost(ctx, validUuid('id', args.id))) ?? null;
    },
  },

  Post: {
    /** Null for a post the viewer may not see, exactly as for one that does not exist. */
    async __resolveReference(reference: Reference, ctx: PostsContext): Promise<PostRow | null> {
      const id = referencedId(reference.id);
      return id === undefined ? null : ((await visiblePost(ctx, id)) ?? null);
    },
    author: (post: PostRow) => ({ __typename: 'User', id: post.authorId }),
    async viewerHasLoved(post: PostRow, _: unknown, ctx: PostsContext): Promise<boolean> {
      if (ctx.viewer.viewerId === undefined) return false;
      return (await ctx.loaders.viewerLoved.load(post.id)) === true;
    },
  },

  User: {
    /** This subgraph adds `posts` to any user; it keeps no users of its own. */
    __resolveReference: (reference: Reference) => ({ __typename: 'User', id: reference.id }),
    posts: userPosts,
  },
};
