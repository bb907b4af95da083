import { pageSize, requireViewer } from '@verograph/subgraph-kit';

import type { InsightsContext } from '../context.ts';
import {
  MAX_TRENDING,
  mayReadInsights,
  POST_INSIGHTS_SPAN_MS,
  postInsightsOf,
  rankTrending,
  USER_INSIGHTS_SPAN_MS,
  userInsightsOf,
  type PostInsights,
  type UserInsights,
} from './insightRules.ts';
import type { TrendingTagRow, TrendingWindowKind } from './insightsStore.ts';

interface EntityReference {
  readonly id: string;
}

export const insightsResolvers = {
  Query: {
    async trendingTags(
      _: unknown,
      args: { window: TrendingWindowKind; first?: number | null },
      ctx: InsightsContext,
    ): Promise<TrendingTagRow[]> {
      requireViewer(ctx.viewer.viewerId, 'see trending tags');
      const first = pageSize(args.first, MAX_TRENDING);
      return rankTrending(await ctx.services.store.newestTrendingTags(args.window), first);
    },
  },

  Post: {
    /** The gateway asks only for posts the posts subgraph let the viewer see. */
    __resolveReference: (reference: EntityReference): EntityReference => ({ id: reference.id }),

    async insights(post: EntityReference, _: unknown, ctx: InsightsContext): Promise<PostInsights | null> {
      const viewerId = ctx.viewer.viewerId;
      if (viewerId === undefined) return null;
      const authorId = await ctx.loaders.postAuthor.load(post.id);
      if (!mayReadInsights(viewerId, authorId)) return null;
      const since = new Date(ctx.services.clock().getTime() - POST_INSIGHTS_SPAN_MS);
      return postInsightsOf(await ctx.services.store.postEngagement(post.id, since));
    },
  },

  User: {
    __resolveReference: (reference: EntityReference): EntityReference => ({ id: reference.id }),

    async insights(user: EntityReference, _: unknown, ctx: InsightsContext): Promise<UserInsights | null> {
      if (!mayReadInsights(ctx.viewer.viewerId, user.id)) return null;
      const since = new Date(ctx.services.clock().getTime() - USER_INSIGHTS_SPAN_MS);
      return userInsightsOf(await ctx.services.store.followerChanges(user.id, since));
    },
  },
};
