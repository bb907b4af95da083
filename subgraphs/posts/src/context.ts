import type { CommandServices, TimeKey, ViewerRequest } from '@verograph/subgraph-kit';
import { deterministicId } from '@verograph/domain';
import { keyedLoader } from '@verograph/subgraph-kit';
import DataLoader from 'dataloader';

import type { CommentRow, CommentsStore } from './comments/commentsStore.ts';
import type { FeedStore } from './feed/feedStore.ts';
import type { PostCache } from './posts/postCache.ts';
import type { PostRow, PostsStore } from './posts/postsStore.ts';
import type { RelationSource } from './visibility/relationsStore.ts';
import type { Visibility } from './visibility/visibility.ts';
import { createVisibility } from './visibility/visibility.ts';

/** The stores and the command path, built once by main.ts and shared by every request. */
export interface PostsServices extends CommandServices {
  readonly posts: PostsStore;
  readonly comments: CommentsStore;
  readonly feed: FeedStore;
  readonly relations: RelationSource;
  /** The post row cache behind `posts`, when there is one: told of this process's own commands. */
  readonly postCache?: PostCache;
}

/** A page of one post's comments, as a DataLoader key. */
export interface CommentsPageKey {
  readonly postId: string;
  readonly after: TimeKey | undefined;
  readonly limit: number;
}

/** One request's loaders: each entity is fetched at most once and in batches. */
export interface PostsLoaders {
  /** Posts by id, deleted ones included (callers check `deleted` and visibility). */
  readonly post: DataLoader<string, PostRow | undefined>;
  readonly comment: DataLoader<string, CommentRow | undefined>;
  /** Whether the viewer loved a post (always undefined for an anonymous viewer). */
  readonly viewerLoved: DataLoader<string, true | undefined>;
  /** Pages of comments: one batch runs its per-post queries concurrently. */
  readonly commentsPage: DataLoader<CommentsPageKey, CommentRow[], string>;
}

export interface PostsContext {
  readonly viewer: ViewerRequest;
  /** The post ids this request's `post` loader got from the row cache, without a read. */
  readonly rowsFromMemory: ReadonlySet<string>;
  readonly services: PostsServices;
  readonly loaders: PostsLoaders;
  readonly visibility: Visibility;
}

export function createPostsContext(services: PostsServices, viewer: ViewerRequest): PostsContext {
  const viewerId = viewer.viewerId;
  const rowsFromMemory = new Set<string>();
  return {
    viewer,
    services,
    rowsFromMemory,
    visibility: createVisibility(viewerId, services.relations),
    loaders: {
      post: keyedLoader((ids: readonly string[]) => services.posts.postsByIds(ids, rowsFromMemory)),
      comment: keyedLoader((ids: readonly string[]) => services.comments.commentsByIds(ids)),
      viewerLoved: keyedLoader(async (ids: readonly string[]) => {
        if (viewerId === undefined) return new Map<string, true>();
        const loved = await services.posts.lovedAmong(viewerId, ids);
        return new Map([...loved].map((id) => [id, true as const]));
      }),
      commentsPage: new DataLoader<CommentsPageKey, CommentRow[], string>(
        (keys) => loadCommentPages(services.comments, keys),
        {
          cacheKeyFn: (k) => `${k.postId}|${k.after?.t ?? ''}|${k.after?.id ?? ''}|${k.limit}`,
        },
      ),
    },
  };
}

/**
 * First pages of comments (a feed showing each post's latest comments) are read for all
 * posts at once with PER PARTITION LIMIT, one round trip per page size; later pages are one
 * single-partition read each, run concurrently.
 */
async function loadCommentPages(store: CommentsStore, keys: readonly CommentsPageKey[]): Promise<CommentRow[][]> {
  const firstPages = new Map<number, string[]>();
  for (const key of keys) {
    if (key.after === undefined) firstPages.set(key.limit, [...(firstPages.get(key.limit) ?? []), key.postId]);
  }
  const [latest, later] = await Promise.all([
    Promise.all(
      [...firstPages].map(async ([limit, postIds]) => [limit, await store.latestComments(postIds, limit)] as const),
    ),
    Promise.all(
      keys.map((key) => (key.after === undefined ? undefined : store.postComments(key.postId, key.after, key.limit))),
    ),
  ]);
  const byLimit = new Map(latest);
  return keys.map((key, i) => later[i] ?? byLimit.get(key.limit)?.get(key.postId) ?? []);
}

/**
 * A post the viewer may see, or undefined: missing, deleted and invisible look the same, in
 * what is answered and in what it costs. An invisible post is known invisible only after its
 * author's relation to the viewer is read; a missing or deleted one reads a relation too (to
 * an author who does not exist). A row the cache answered cost no read where a missing post
 * costs one, so one more (absent) row is read then. Every answer but a visible post thus takes
 * one post row read and one relation read, and a stranger cannot time their way to learning
 * that a private post exists.
 */
export async function visiblePost(ctx: PostsContext, postId: string): Promise<PostRow | undefined> {
  const post = await ctx.loaders.post.load(postId);
  const present = post !== undefined && !post.deleted;
  if (present && (await ctx.visibility.canSee(post))) return post;
  if (!present) await ctx.visibility.canSee({ authorId: absentAuthorOf(postId), audience: 'CLOSE_FRIENDS' });
  if (ctx.rowsFromMemory.has(postId)) await ctx.services.posts.postsByIds([deterministicId('absent post', postId)]);
  return undefined;
}

/** A user id no user has (not a valid user id: it holds a space), stable per post id. */
export function absentAuthorOf(postId: string): string {
  return `absent ${postId}`;
}
