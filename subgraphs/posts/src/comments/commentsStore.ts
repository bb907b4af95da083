import type { CqlClient, TimeKey } from '@verograph/subgraph-kit';
import type { types } from 'cassandra-driver';
import { rows, text, timestamp } from '@verograph/subgraph-kit';

import { afterClause } from '../posts/postsStore.ts';

/** A comment on a post. */
export interface CommentRow {
  readonly __typename: 'Comment';
  readonly id: string;
  readonly postId: string;
  readonly authorId: string;
  readonly text: string;
  readonly createdAt: Date;
}

export interface CommentsStore {
  /** Comments by id, in one round trip. */
  commentsByIds(ids: readonly string[]): Promise<Map<string, CommentRow>>;
  /** The newest `limit` comments of each post, in one round trip. */
  latestComments(postIds: readonly string[], limit: number): Promise<Map<string, CommentRow[]>>;
  /** A post's comments, newest first, strictly after `after`. */
  postComments(postId: string, after: TimeKey | undefined, limit: number): Promise<CommentRow[]>;
}

function commentOf(postId: string, r: types.Row): CommentRow {
  return {
    __typename: 'Comment',
    id: text(r.get('comment_id')),
    postId,
    authorId: text(r.get('author_id')),
    text: text(r.get('text')),
    createdAt: timestamp(r.get('created_at')),
  };
}

export function createCommentsStore(client: CqlClient): CommentsStore {
  return {
    async commentsByIds(ids) {
      const found = await rows(client, 'SELECT id, post_id, author_id, text, created_at FROM comments WHERE id IN ?', [
        [...ids],
      ]);
      return new Map(
        found.map((r) => {
          const comment: CommentRow = {
            __typename: 'Comment',
            id: text(r.get('id')),
            postId: text(r.get('post_id')),
            authorId: text(r.get('author_id')),
            text: text(r.get('text')),
            createdAt: timestamp(r.get('created_at')),
          };
          return [comment.id, comment];
        }),
      );
    },
    async latestComments(postIds, limit) {
      const found = await rows(
        client,
        'SELECT post_id, created_at, comment_id, author_id, text FROM comments_by_post WHERE post_id IN ? PER PARTITION LIMIT ?',
        [[...postIds], limit],
      );
      const byPost = new Map<string, CommentRow[]>();
      for (const r of found) {
        const comment = commentOf(text(r.get('post_id')), r);
        byPost.set(comment.postId, [...(byPost.get(comment.postId) ?? []), comment]);
      }
      return byPost;
    },
    async postComments(postId, after, limit) {
      const page = afterClause(after, 'comment_id');
      const found = await rows(
        client,
        `SELECT created_at, comment_id, author_id, text FROM comments_by_post WHERE post_id = ?${page.cql} LIMIT ?`,
        [postId, ...page.params, limit],
      );
      return found.map((r) => commentOf(postId, r));
    },
  };
}
