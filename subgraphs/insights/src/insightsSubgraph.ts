import { readFileSync } from 'node:fs';

import type { Logger } from '@verograph/service';
import type { CqlClient, SubgraphServer } from '@verograph/subgraph-kit';
import { cassandraReady, createSubgraphServer, dateTimeScalar } from '@verograph/subgraph-kit';
import { parse } from 'graphql';
import type { Registry } from 'prom-client';

import { insightsContext, type InsightsContext, type InsightsServices } from './context.ts';
import { insightsResolvers } from './insights/insightsResolvers.ts';
import { createInsightsStore } from './insights/insightsStore.ts';

/** The insights subgraph's SDL, the contract composed into the supergraph. */
export const insightsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface InsightsSubgraphOptions {
  /** Read only: the insights read model, and `posts` for who wrote a post. */
  readonly cassandra: CqlClient;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly port: number;
  /** The operations port (health, readiness, metrics); absent: a free port (tests). */
  readonly opsPort?: number;
  readonly host: string;
  readonly signingSecret: string;
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
    port: options.port,
    ...(options.opsPort !== undefined ? { opsPort: options.opsPort } : {}),
    host: options.host,
    signingSecret: options.signingSecret,
    logger: options.logger,
    metrics: options.metrics,
    ready: () => cassandraReady(options.cassandra),
  });
}
