import { readFileSync } from 'node:fs';

import { broadcastKeys, topics } from '@verograph/messaging';
import type { EnvReader } from '@verograph/service';
import type { CqlClient, SubgraphCommandOptions, SubgraphServer, SubgraphServing } from '@verograph/subgraph-kit';
import {
  cassandraReady,
  createCommandServices,
  createSubgraphServer,
  dateTimeScalar,
  servingOf,
} from '@verograph/subgraph-kit';
import { parse } from 'graphql';
import type { Kafka } from 'kafkajs';

import { commentResolvers } from './comments/commentResolvers.ts';
import { createCommentsStore } from './comments/commentsStore.ts';
import { createPostsContext, type PostsContext, type PostsServices } from './context.ts';
import { engagementMutations } from './engagement/engagementMutations.ts';
import { feedResolvers } from './feed/feedResolvers.ts';
import { createFeedStore } from './feed/feedStore.ts';
import { liveSubscriptionResolvers } from './live/liveSubscriptionResolvers.ts';
import { postMutations } from './posts/postMutations.ts';
import { postResolvers } from './posts/postResolvers.ts';
import { cachedPostsStore } from './posts/cachedPostsStore.ts';
import { coalescedPostsStore } from './posts/coalescedPostsStore.ts';
import { createPostCache } from './posts/postCache.ts';
import { createPostsStore } from './posts/postsStore.ts';
import { createRelationSource } from './visibility/relationsStore.ts';

/** The posts subgraph's SDL, the contract composed into the supergraph. */
export const postsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface PostsSubgraphOptions extends SubgraphServing, SubgraphCommandOptions {
  readonly cassandra: CqlClient;
  /**
   * The post row cache and where its invalidations come from (posts.events unless a test
   * keeps its own); without it, or with ttlMs 0, every post is read from Cassandra.
   */
  readonly rowCache?: PostRowCacheConfig & { readonly kafka: Kafka; readonly eventsTopic?: string };
  /**
   * What executes operations: graphql-jit by default (a feed request measured about a quarter
   * less CPU than graphql-js, with identical answers), graphql-js as the fallback.
   */
  readonly executor?: 'graphql-js' | 'jit';
}

/** POSTS_ROW_CACHE_TTL_MS (0 turns the cache off) and POSTS_ROW_CACHE_MAX_ENTRIES. */
export interface PostRowCacheConfig {
  readonly ttlMs: number;
  readonly maxEntries: number;
}

export function readPostRowCacheConfig(env: EnvReader): PostRowCacheConfig {
  return {
    ttlMs: env.int('POSTS_ROW_CACHE_TTL_MS', 10_000, { min: 0, max: 600_000 }),
    maxEntries: env.int('POSTS_ROW_CACHE_MAX_ENTRIES', 100_000, { min: 1 }),
  };
}

/** POSTS_GRAPHQL_JIT (default true): false executes with graphql-js instead of graphql-jit. */
export function readPostsExecutor(env: EnvReader): 'graphql-js' | 'jit' {
  return env.bool('POSTS_GRAPHQL_JIT', true) ? 'jit' : 'graphql-js';
}

/** Starts the posts subgraph: posts, comments, loves and the home feed from Cassandra. */
export async function startPostsSubgraph(options: PostsSubgraphOptions): Promise<SubgraphServer> {
  const { cassandra, logger, metrics } = options;
  const rowCache =
    options.rowCache && options.rowCache.ttlMs > 0
      ? createPostCache({ ttlMs: options.rowCache.ttlMs, maxEntries: options.rowCache.maxEntries })
      : undefined;
  // Every instance hears every post's events, and serves from the cache only while it does.
  const invalidation =
    rowCache && options.rowCache
      ? broadcastKeys({
          kafka: options.rowCache.kafka,
          groupPrefix: 'posts-subgraph-row-cache',
          topic: options.rowCache.eventsTopic ?? topics.postsEvents,
          onKey: (postId) => rowCache.invalidate(postId),
          onLive: (live) => rowCache.setLive(live),
          logger,
        })
      : undefined;
  const store = coalescedPostsStore(createPostsStore(cassandra));
  const services: PostsServices = {
    posts: rowCache ? cachedPostsStore(store, rowCache, metrics) : store,
    ...(rowCache ? { postCache: rowCache } : {}),
    comments: createCommentsStore(cassandra),
    feed: createFeedStore(cassandra),
    relations: createRelationSource(cassandra),
    ...createCommandServices(options, topics.postsCommands),
  };
  invalidation?.start();
  const server = await createSubgraphServer<PostsContext>({
    name: 'posts',
    typeDefs: postsTypeDefs,
    resolvers: {
      DateTime: dateTimeScalar,
      Query: { ...postResolvers.Query, ...feedResolvers.Query },
      Mutation: { ...postMutations.Mutation, ...engagementMutations.Mutation },
      Subscription: liveSubscriptionResolvers.Subscription,
      Post: { ...postResolvers.Post, ...commentResolvers.Post },
      Comment: commentResolvers.Comment,
      User: postResolvers.User,
    },
    context: (viewer) => createPostsContext(services, viewer),
    ...servingOf(options),
    ready: () => cassandraReady(cassandra),
    executor: options.executor ?? 'jit',
  });
  return {
    url: server.url,
    port: server.port,
    opsUrl: server.opsUrl,
    async close() {
      await server.close();
      await invalidation?.stop();
    },
  };
}
