import { readFileSync } from 'node:fs';

import type { MessageProducer } from '@verograph/messaging';
import { topics } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { CqlClient, SubgraphServer } from '@verograph/subgraph-kit';
import {
  cassandraReady,
  createCommandBus,
  createOutcomeReader,
  createSubgraphServer,
  dateTimeScalar,
} from '@verograph/subgraph-kit';
import { parse } from 'graphql';
import type { Registry } from 'prom-client';

import { commentResolvers } from './comments/commentResolvers.ts';
import { createCommentsStore } from './comments/commentsStore.ts';
import { createPostsContext, type PostsContext, type PostsServices } from './context.ts';
import { engagementMutations } from './engagement/engagementMutations.ts';
import { feedResolvers } from './feed/feedResolvers.ts';
import { createFeedStore } from './feed/feedStore.ts';
import { liveSubscriptionResolvers } from './live/liveSubscriptionResolvers.ts';
import { postMutations } from './posts/postMutations.ts';
import { postResolvers } from './posts/postResolvers.ts';
import { createPostsStore } from './posts/postsStore.ts';
import { createRelationSource } from './visibility/relationsStore.ts';

/** The posts subgraph's SDL, the contract composed into the supergraph. */
export const postsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface PostsSubgraphOptions {
  readonly cassandra: CqlClient;
  readonly producer: MessageProducer;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly port: number;
  readonly host: string;
  readonly signingSecret: string;
  readonly mutationWaitMs: number;
  /** Where its commands go; `posts.commands` unless a test keeps its own. */
  readonly commandsTopic?: string;
}

/** Starts the posts subgraph: posts, comments, loves and the home feed from Cassandra. */
export async function startPostsSubgraph(options: PostsSubgraphOptions): Promise<SubgraphServer> {
  const { cassandra, producer, logger, metrics } = options;
  const services: PostsServices = {
    posts: createPostsStore(cassandra),
    comments: createCommentsStore(cassandra),
    feed: createFeedStore(cassandra),
    relations: createRelationSource(cassandra),
    bus: createCommandBus({
      producer,
      outcomes: createOutcomeReader(cassandra),
      waitMs: options.mutationWaitMs,
      metrics,
      logger,
    }),
    commandsTopic: options.commandsTopic ?? topics.postsCommands,
  };
  return createSubgraphServer<PostsContext>({
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
    port: options.port,
    host: options.host,
    signingSecret: options.signingSecret,
    logger,
    metrics,
    ready: () => cassandraReady(cassandra),
  });
}
