import { DomainError, limits, validText, validUuid } from '@verograph/domain';
import type { PayloadBase } from '@verograph/subgraph-kit';
import { awaitReadModel, createdIdFor, payloadBase } from '@verograph/subgraph-kit';

import type { CommentRow } from '../comments/commentsStore.ts';
import type { PostsContext } from '../context.ts';
import { actionablePost, requireProfile, runPostCommand } from '../postCommands.ts';
import type { PostPayload } from '../posts/postMutations.ts';
import { freshPost, postSeenNow } from '../posts/postMutations.ts';

export interface CommentPayload extends PayloadBase {
  readonly comment: CommentRow | null;
}

interface PostArgs {
  readonly postId: string;
  readonly clientMutationId?: string | null;
}

/** Love or unlove: only on a post the viewer may see; the payload shows the post with its new count. */
async function love(ctx: PostsContext, args: PostArgs, loving: boolean): Promise<PostPayload> {
  const postId = validUuid('postId', args.postId);
  const run = await runPostCommand(ctx, {
    mutation: loving ? 'lovePost' : 'unlovePost',
    postId: () => postId,
    scope: [postId],
    clientMutationId: args.clientMutationId,
    command: (viewerId) =>
      loving
        ? { case: 'lovePost', value: { postId, userId: viewerId } }
        : { case: 'unlovePost', value: { postId, userId: viewerId } },
    // On a resend too: a viewer who has lost sight of the post is told it does not exist.
    sees: async () => void (await actionablePost(ctx, postId)),
    async check(viewerId) {
      await requireProfile(ctx, viewerId);
      const loved = (await ctx.loaders.viewerLoved.load(postId)) === true;
      if (loving && loved) throw new DomainError('ALREADY_LOVED', 'You already love this post.');
      if (!loving && !loved) throw new DomainError('NOT_LOVED', 'You do not love this post.');
    },
  });
  let post = null;
  if (run.result.status === 'APPLIED') {
    // The writer wrote the love and the count before it published APPLIED: one keyed read.
    ctx.loaders.viewerLoved.clear(postId);
    post = await freshPost(ctx, postId, run.deadline, () => true);
  }
  return { ...payloadBase(run.result, args.clientMutationId), post };
}

/** lovePost, unlovePost and commentOnPost: nobody engages with a post they cannot see. */
export const engagementMutations = {
  Mutation: {
    lovePost: (_: unknown, args: PostArgs, ctx: PostsContext) => love(ctx, args, true),
    unlovePost: (_: unknown, args: PostArgs, ctx: PostsContext) => love(ctx, args, false),

    async commentOnPost(
      _: unknown,
      args: PostArgs & { readonly text: string },
      ctx: PostsContext,
    ): Promise<CommentPayload> {
      const postId = validUuid('postId', args.postId);
      const text = validText('text', args.text, limits.commentMax, true);
      const run = await runPostCommand(ctx, {
        mutation: 'commentOnPost',
        postId: () => postId,
        scope: [postId],
        clientMutationId: args.clientMutationId,
        command: (viewerId, commandId) => ({
          case: 'commentOnPost',
          // The comment's id derives from the command's, so a resend never comments twice.
          value: { postId, commentId: createdIdFor(commandId, 'comment'), authorId: viewerId, text },
        }),
        sees: async () => void (await actionablePost(ctx, postId)),
        check: (viewerId) => requireProfile(ctx, viewerId),
      });
      let comment: CommentRow | null = null;
      if (run.result.status === 'APPLIED') {
        const commentId = createdIdFor(run.commandId, 'comment');
        const { comments } = ctx.services;
        // Written before APPLIED was published: one keyed read, polled only should it be missing.
        ctx.loaders.comment.clear(commentId);
        let written = await ctx.loaders.comment.load(commentId);
        if (!written) {
          await awaitReadModel(async () => (await comments.commentsByIds([commentId])).has(commentId), run.deadline);
          ctx.loaders.comment.clear(commentId);
          written = await ctx.loaders.comment.load(commentId);
        }
        // A comment is as visible as its post, judged now.
        comment = written && (await postSeenNow(ctx, written.postId)) ? written : null;
      }
      return { ...payloadBase(run.result, args.clientMutationId), comment };
    },
  },
};
