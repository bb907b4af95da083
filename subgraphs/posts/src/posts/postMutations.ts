import { Audience as ProtoAudience, PostKind as ProtoPostKind } from '@verograph/contracts/posts/v1/posts';
import type { Audience } from '@verograph/domain';
import { DomainError, validUuid } from '@verograph/domain';
import type { PayloadBase } from '@verograph/subgraph-kit';
import { awaitReadModel, createdIdFor, payloadBase } from '@verograph/subgraph-kit';

import type { PostsContext } from '../context.ts';
import { actionablePost, requireProfile, runPostCommand } from '../postCommands.ts';
import type { CreatePostInput } from './postInput.ts';
import { validNewPost } from './postInput.ts';
import { createVisibility } from '../visibility/visibility.ts';
import type { PostKind, PostRow } from './postsStore.ts';

export interface PostPayload extends PayloadBase {
  readonly post: PostRow | null;
}

export const protoKind: Record<PostKind, ProtoPostKind> = {
  PHOTO: ProtoPostKind.PHOTO,
  VIDEO: ProtoPostKind.VIDEO,
  LINK: ProtoPostKind.LINK,
  MUSIC: ProtoPostKind.MUSIC,
  MOVIE: ProtoPostKind.MOVIE,
  BOOK: ProtoPostKind.BOOK,
  PLACE: ProtoPostKind.PLACE,
  TEXT: ProtoPostKind.TEXT,
};

export const protoAudience: Record<Audience, ProtoAudience> = {
  CLOSE_FRIENDS: ProtoAudience.CLOSE_FRIENDS,
  FRIENDS: ProtoAudience.FRIENDS,
  ACQUAINTANCES: ProtoAudience.ACQUAINTANCES,
  FOLLOWERS: ProtoAudience.FOLLOWERS,
};

/**
 * A payload's post as the viewer sees it now, with the same rule as `post(id)`: null when
 * missing, deleted or invisible. The author's relation to the viewer is read afresh, not
 * taken from the rights check made before the mutation waited for its writer: a viewer
 * demoted in the meantime gets no caption, counts or comments back.
 */
export async function postSeenNow(ctx: PostsContext, postId: string): Promise<PostRow | null> {
  ctx.loaders.post.clear(postId);
  return seenNow(ctx, await ctx.loaders.post.load(postId));
}

async function seenNow(ctx: PostsContext, post: PostRow | undefined): Promise<PostRow | null> {
  if (post === undefined || post.deleted) return null;
  const now = createVisibility(ctx.viewer.viewerId, ctx.services.relations);
  return (await now.canSee(post)) ? post : null;
}

/**
 * The post after an APPLIED command, as the viewer sees it now: one keyed read. The writer
 * writes a post's rows before it publishes the outcome, so that read shows the change; only
 * if it does not (`shows` is false) is the row read again until it does or `deadline` passes.
 */
export async function freshPost(
  ctx: PostsContext,
  postId: string,
  deadline: number,
  shows: (post: PostRow | undefined) => boolean,
): Promise<PostRow | null> {
  ctx.loaders.post.clear(postId);
  const read = await ctx.loaders.post.load(postId);
  if (shows(read)) return seenNow(ctx, read);
  await awaitReadModel(async () => shows((await ctx.services.posts.postsByIds([postId])).get(postId)), deadline);
  return postSeenNow(ctx, postId);
}

/** createPost and deletePost. */
export const postMutations = {
  Mutation: {
    async createPost(_: unknown, { input }: { input: CreatePostInput }, ctx: PostsContext): Promise<PostPayload> {
      const post = validNewPost(input);
      const run = await runPostCommand(ctx, {
        mutation: 'createPost',
        // The post's id derives from the command's, so a resend never makes a second post.
        postId: (commandId) => createdIdFor(commandId, 'post'),
        clientMutationId: input.clientMutationId,
        command: (viewerId, commandId) => ({
          case: 'createPost',
          value: {
            postId: createdIdFor(commandId, 'post'),
            authorId: viewerId,
            kind: protoKind[post.kind],
            audience: protoAudience[post.audience],
            caption: post.caption,
            url: post.url,
            tags: post.tags,
          },
        }),
        check: (viewerId) => requireProfile(ctx, viewerId),
      });
      const created =
        run.result.status === 'APPLIED'
          ? await freshPost(ctx, run.postId, run.deadline, (row) => row !== undefined)
          : null;
      return { ...payloadBase(run.result, input.clientMutationId), post: created };
    },

    async deletePost(
      _: unknown,
      args: { id: string; clientMutationId?: string | null },
      ctx: PostsContext,
    ): Promise<PostPayload> {
      const postId = validUuid('id', args.id);
      const run = await runPostCommand(ctx, {
        mutation: 'deletePost',
        postId: () => postId,
        scope: [postId],
        clientMutationId: args.clientMutationId,
        command: () => ({ case: 'deletePost', value: { postId } }),
        async check(viewerId) {
          const post = await actionablePost(ctx, postId);
          if (post.authorId !== viewerId) {
            throw new DomainError('NOT_POST_AUTHOR', 'Only the author of a post can delete it.', { field: 'id' });
          }
        },
      });
      if (run.result.status === 'APPLIED') {
        await freshPost(ctx, postId, run.deadline, (row) => row === undefined || row.deleted);
      }
      // A deleted post has nothing left to show.
      return { ...payloadBase(run.result, args.clientMutationId), post: null };
    },
  },
};
