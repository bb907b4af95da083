import type { PostsContext } from '../context.ts';
import { absentAuthorOf } from '../context.ts';
import type { PostIndexEntry, PostRow } from '../posts/postsStore.ts';

/**
 * Timeline rows become the posts the viewer may see: one batched read of the posts, then the
 * audience rule. A followed author's FOLLOWERS post is decided by the follow list the feed read
 * first and costs no relation read, so a post that is NOT shown must cost one whatever the
 * reason: an invisible post reads its author's relation, and a missing or deleted one reads
 * the relation of an author who does not exist, in the same batch. A page that hides a post
 * thus reads the same statements whether the post is private, deleted or was never there.
 */
export async function visibleFeedPosts(
  ctx: PostsContext,
  entries: readonly PostIndexEntry[],
): Promise<Array<PostRow | undefined>> {
  const posts = await Promise.all(entries.map((entry) => ctx.loaders.post.load(entry.postId)));
  return Promise.all(
    posts.map(async (post, i) => {
      if (post !== undefined && !post.deleted) return (await ctx.visibility.canSee(post)) ? post : undefined;
      await ctx.visibility.canSee({ authorId: absentAuthorOf(entries[i]!.postId), audience: 'CLOSE_FRIENDS' });
      return undefined;
    }),
  );
}
