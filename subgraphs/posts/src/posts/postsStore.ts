import type { Audience } from '@verograph/domain';
import { audiences } from '@verograph/domain';
import type { CqlClient, TimeKey } from '@verograph/subgraph-kit';
import { longToNumber, rows, text, timestamp } from '@verograph/subgraph-kit';

export const postKinds = ['PHOTO', 'VIDEO', 'LINK', 'MUSIC', 'MOVIE', 'BOOK', 'PLACE', 'TEXT'] as const;
export type PostKind = (typeof postKinds)[number];

/** A post as the posts writer recorded it. */
export interface PostRow {
  readonly __typename: 'Post';
  readonly id: string;
  readonly authorId: string;
  readonly kind: PostKind;
  readonly audience: Audience;
  readonly caption: string;
  readonly url: string | null;
  readonly tags: readonly string[];
  readonly createdAt: Date;
  readonly deleted: boolean;
  readonly loveCount: number;
  readonly commentCount: number;
}

/** One row of a time-ordered index of posts (an author's posts, a viewer's feed). */
export interface PostIndexEntry {
  readonly key: TimeKey;
  readonly postId: string;
  readonly authorId: string;
  /** Known for an author's index (posts_by_author), not for a feed row. */
  readonly audience?: Audience;
  readonly kind?: PostKind;
}

/** Batched reads of posts: each call is one Cassandra round trip. */
export interface PostsStore {
  /**
   * `fromMemory`, when given, is told the ids answered without a read (the row cache's hits):
   * an invisible post must cost a read like a missing one (see `visiblePost`).
   */
  postsByIds(ids: readonly string[], fromMemory?: Set<string>): Promise<Map<string, PostRow>>;
  /** An author's posts, newest first, strictly after `after`. */
  authorPosts(authorId: string, after: TimeKey | undefined, limit: number): Promise<PostIndexEntry[]>;
  /** Which of the posts the user loved. */
  lovedAmong(userId: string, postIds: readonly string[]): Promise<Set<string>>;
  /** Whether a user has created a profile (the posts writer will refuse them otherwise). */
  profileExists(userId: string): Promise<boolean>;
}

const asKind = (raw: unknown): PostKind => postKinds.find((k) => k === raw) ?? 'TEXT';
/*
 * An unknown audience is read as the narrowest one: a row this code does not understand
 * must never become more visible than its author meant.
 */
const asAudience = (raw: unknown): Audience => audiences.find((a) => a === raw) ?? 'CLOSE_FRIENDS';

export { asAudience, asKind };

/** The keyset restriction of a newest-first page over `(created_at, <id>)` clustering columns. */
export function afterClause(after: TimeKey | undefined, idColumn: string): { cql: string; params: unknown[] } {
  return after === undefined
    ? { cql: '', params: [] }
    : { cql: ` AND (created_at, ${idColumn}) < (?, ?)`, params: [new Date(after.t), after.id] };
}

export function createPostsStore(client: CqlClient): PostsStore {
  return {
    async postsByIds(ids) {
      const found = await rows(
        client,
        'SELECT id, author_id, kind, audience, caption, url, tags, created_at, deleted, love_count, comment_count ' +
          'FROM posts WHERE id IN ?',
        [[...ids]],
      );
      return new Map(
        found.map((r) => {
          const tags: unknown = r.get('tags');
          const post: PostRow = {
            __typename: 'Post',
            id: text(r.get('id')),
            authorId: text(r.get('author_id')),
            kind: asKind(r.get('kind')),
            audience: asAudience(r.get('audience')),
            caption: text(r.get('caption')),
            url: text(r.get('url')) || null,
            tags: Array.isArray(tags) ? tags.map(String) : [],
            createdAt: timestamp(r.get('created_at')),
            deleted: r.get('deleted') === true,
            loveCount: longToNumber(r.get('love_count')),
            commentCount: longToNumber(r.get('comment_count')),
          };
          return [post.id, post];
        }),
      );
    },
    async authorPosts(authorId, after, limit) {
      const page = afterClause(after, 'post_id');
      const found = await rows(
        client,
        `SELECT created_at, post_id, kind, audience FROM posts_by_author WHERE author_id = ?${page.cql} LIMIT ?`,
        [authorId, ...page.params, limit],
      );
      return found.map((r) => {
        const postId = text(r.get('post_id'));
        return {
          key: { t: timestamp(r.get('created_at')).getTime(), id: postId },
          postId,
          authorId,
          audience: asAudience(r.get('audience')),
          kind: asKind(r.get('kind')),
        };
      });
    },
    async lovedAmong(userId, postIds) {
      // One partition, the user's (loves_by_user), whatever the number of posts.
      const found = await rows(client, 'SELECT post_id FROM loves_by_user WHERE user_id = ? AND post_id IN ?', [
        userId,
        [...postIds],
      ]);
      return new Set(found.map((r) => text(r.get('post_id'))));
    },
    async profileExists(userId) {
      return (await rows(client, 'SELECT id FROM users WHERE id = ?', [userId])).length > 0;
    },
  };
}
