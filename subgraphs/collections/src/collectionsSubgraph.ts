import { readFileSync } from 'node:fs';

import type { MessageProducer } from '@verograph/messaging';
import { topics } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { CqlClient, MutationLimits, SubgraphServer } from '@verograph/subgraph-kit';
import { createCommandBus, createOutcomeReader, createSubgraphServer, dateTimeScalar } from '@verograph/subgraph-kit';
import { parse } from 'graphql';
import type { Registry } from 'prom-client';

import { collectionMutations } from './collections/collectionMutations.ts';
import { collectionResolvers } from './collections/collectionResolvers.ts';
import { createCollectionsStore } from './collections/collectionsStore.ts';
import { createCollectionsContext, type CollectionsContext, type CollectionsServices } from './context.ts';
import { createCollectionItemsStore } from './items/collectionItemsStore.ts';
import type { SqlClient } from './store/postgres.ts';
import { postgresReady } from './store/postgres.ts';

/** The collections subgraph's SDL, the contract composed into the supergraph. */
export const collectionsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface CollectionsSubgraphOptions {
  /** The read model: collections, collection_items, post_audiences, audience_grants. */
  readonly postgres: SqlClient;
  /** Only for the writers' decision log (`command_outcomes`) that mutations wait on. */
  readonly cassandra: CqlClient;
  readonly producer: MessageProducer;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly port: number;
  /** The operations port (health, readiness, metrics); absent: a free port (tests). */
  readonly opsPort?: number;
  readonly host: string;
  readonly signingSecret: string;
  readonly mutationWaitMs: number;
  /** Admission control of the command bus; `defaultMutationLimits` when absent. */
  readonly mutationLimits?: MutationLimits;
  /** ID_DERIVATION_SECRET (`readIdDerivationSecret`), shared by every instance. */
  readonly idSecret: string;
  /** Where commands go; `collections.commands` unless a spec gives a topic of its own. */
  readonly commandsTopic?: string;
}

/** Starts the collections subgraph: collections and their viewer-filtered posts from PostgreSQL. */
export async function startCollectionsSubgraph(options: CollectionsSubgraphOptions): Promise<SubgraphServer> {
  const { postgres, cassandra, producer, logger, metrics } = options;
  const services: CollectionsServices = {
    collections: createCollectionsStore(postgres, logger),
    items: createCollectionItemsStore(postgres, logger),
    bus: createCommandBus({
      producer,
      outcomes: createOutcomeReader(cassandra),
      waitMs: options.mutationWaitMs,
      limits: options.mutationLimits,
      metrics,
      logger,
    }),
    idSecret: options.idSecret,
    commandsTopic: options.commandsTopic ?? topics.collectionsCommands,
  };
  return createSubgraphServer<CollectionsContext>({
    name: 'collections',
    typeDefs: collectionsTypeDefs,
    resolvers: {
      DateTime: dateTimeScalar,
      Query: collectionResolvers.Query,
      Mutation: collectionMutations.Mutation,
      Collection: collectionResolvers.Collection,
      User: collectionResolvers.User,
    },
    context: (viewer) => createCollectionsContext(services, viewer),
    port: options.port,
    ...(options.opsPort !== undefined ? { opsPort: options.opsPort } : {}),
    host: options.host,
    signingSecret: options.signingSecret,
    logger,
    metrics,
    // Reads need only PostgreSQL; Kafka or Cassandra being down fails mutations alone.
    ready: () => postgresReady(postgres),
  });
}
