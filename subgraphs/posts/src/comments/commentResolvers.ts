import type { Connection } from '@verograph/subgraph-kit';
import { connectionOf, decodeTimeCursor, encodeTimeCursor, pageSize } from '@verograph/subgraph-kit';

import type { PostsContext } from '../context.ts';
import { visiblePost } from '../context.ts';
import { referencedId } from '../posts/postResolvers.ts';
import type { PostRow } from '../posts/postsStore.ts';
import type { CommentRow } from './commentsStore.ts';

const cursorOf = (comment: CommentRow) => encodeTimeCursor({ t: comment.createdAt.getTime(), id: comment.id });

/** Post.comments and the Comment entity: a comment is as visible as its post. */
export const commentResolvers = {
  Post: {
    async comments(
      post: PostRow,
      args: { first?: number | null; after?: string | null },
      ctx: PostsContext,
    ): Promise<Connection<CommentRow>> {
      const want = pageSize(args.first);
      const after = decodeTimeCursor(args.after);
      const rows = await ctx.loaders.commentsPage.load({ postId: post.id, after, limit: want + 1 });
      return connectionOf(rows.slice(0, want), cursorOf, rows.length > want);
    },
  },

  Comment: {
    async __resolveReference(reference: { id: string }, ctx: PostsContext): Promise<CommentRow | null> {
      const id = referencedId(reference.id);
      if (id === undefined) return null;
      const comment = await ctx.loaders.comment.load(id);
      // A missing comment reads a (missing) post and its relation too: it costs what a comment
      // on an invisible post costs, so the answer's timing tells nothing either.
      const post = await visiblePost(ctx, comment?.postId ?? id);
      return comment !== undefined && post !== undefined ? comment : null;
    },
    author: (comment: CommentRow) => ({ __typename: 'User', id: comment.authorId }),
  },
};
