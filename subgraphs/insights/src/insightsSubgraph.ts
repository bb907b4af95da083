import { readFileSync } from 'node:fs';

import type { CqlClient, SubgraphServer, SubgraphServing } from '@verograph/subgraph-kit';
import { cassandraReady, createSubgraphServer, dateTimeScalar, servingOf } from '@verograph/subgraph-kit';
import { parse } from 'graphql';

import { insightsContext, type InsightsContext, type InsightsServices } from './context.ts';
import { insightsResolvers } from './insights/insightsResolvers.ts';
import { createInsightsStore } from './insights/insightsStore.ts';

/** The insights subgraph's SDL, the contract composed into the supergraph. */
export const insightsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface InsightsSubgraphOptions extends SubgraphServing {
  /** Read only: the insights read model, and `posts` for who wrote a post. */
  readonly cassandra: CqlClient;
  readonly clock?: () => Date;
}

/**
 * Starts the insights subgraph: the insights job's results, from the read model the insights
 * projector writes. Trending tags for any signed-in viewer; a post's engagement for its author
 * and a user's follower changes for that user only, null for anyone else.
 */
export async function startInsightsSubgraph(options: InsightsSubgraphOptions): Promise<SubgraphServer> {
  const services: InsightsServices = {
    store: createInsightsStore(options.cassandra),
    clock: options.clock ?? (() => new Date()),
  };
  return createSubgraphServer<InsightsContext>({
    name: 'insights',
    typeDefs: insightsTypeDefs,
    resolvers: {
      DateTime: dateTimeScalar,
      Query: insightsResolvers.Query,
      Post: insightsResolvers.Post,
      User: insightsResolvers.User,
    },
    context: (viewer) => insightsContext(viewer, services),
    ...servingOf(options),
    ready: () => cassandraReady(options.cassandra),
  });
}
