import type { Connection } from '@verograph/subgraph-kit';
import {
  connectionFromScan,
  decodeTimeCursor,
  encodeTimeCursor,
  pageSize,
  requireViewer,
  scanPage,
} from '@verograph/subgraph-kit';

import type { PostsContext } from '../context.ts';
import { scanBudget } from '../posts/postResolvers.ts';
import type { PostRow } from '../posts/postsStore.ts';
import type { FeedSource } from './mergeFeed.ts';
import { mergeSources } from './mergeFeed.ts';
import { visibleFeedPosts } from './visibleFeedPosts.ts';

/**
 * Query.feed: the viewer's timeline (fanned out on write) merged with the posts of followed
 * authors who are pulled on read, newest first. Visibility is checked again here, so a
 * level change, an unfollow or a deletion shows on the next read whatever the timeline holds.
 */
async function feed(
  _: unknown,
  args: { first?: number | null; after?: string | null },
  ctx: PostsContext,
): Promise<Connection<PostRow>> {
  const viewerId = requireViewer(ctx.viewer.viewerId, 'read your feed');
  const want = pageSize(args.first);
  const after = decodeTimeCursor(args.after);
  const { feed: feedStore, posts } = ctx.services;
  const followees = await feedStore.followees(viewerId);
  // The whole follow list is at hand: the audience rule's "does the viewer follow the author"
  // is answered from it instead of reading the same partition again.
  if (followees.complete) ctx.visibility.knowFollowees(followees.ids);
  const pulled = await feedStore.pulledAmong(followees.ids);
  const sources: FeedSource[] = [
    (from, limit) => feedStore.timeline(viewerId, from, limit),
    ...pulled.map(
      (authorId): FeedSource =>
        (from, limit) =>
          posts.authorPosts(authorId, from, limit),
    ),
  ];
  const page = await scanPage({
    want,
    after,
    ...scanBudget(want),
    fetch: mergeSources(sources),
    keyOf: (entry) => entry.key,
    keep: (entries) => visibleFeedPosts(ctx, entries),
  });
  return connectionFromScan(page, encodeTimeCursor);
}

export const feedResolvers = { Query: { feed } };
