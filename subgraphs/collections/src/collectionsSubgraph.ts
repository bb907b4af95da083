import { readFileSync } from 'node:fs';

import { topics } from '@verograph/messaging';
import type { CqlClient, SubgraphCommandOptions, SubgraphServer, SubgraphServing } from '@verograph/subgraph-kit';
import { createCommandServices, createSubgraphServer, dateTimeScalar, servingOf } from '@verograph/subgraph-kit';
import { parse } from 'graphql';

import { collectionMutations } from './collections/collectionMutations.ts';
import { collectionResolvers } from './collections/collectionResolvers.ts';
import { createCollectionsStore } from './collections/collectionsStore.ts';
import { createCollectionsContext, type CollectionsContext, type CollectionsServices } from './context.ts';
import { createCollectionItemsStore } from './items/collectionItemsStore.ts';
import type { SqlClient } from './store/postgres.ts';
import { postgresReady } from './store/postgres.ts';

/** The collections subgraph's SDL, the contract composed into the supergraph. */
export const collectionsTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface CollectionsSubgraphOptions extends SubgraphServing, SubgraphCommandOptions {
  /** The read model: collections, collection_items, post_audiences, audience_grants. */
  readonly postgres: SqlClient;
  /** Only for the writers' decision log (`command_outcomes`) that mutations wait on. */
  readonly cassandra: CqlClient;
}

/** Starts the collections subgraph: collections and their viewer-filtered posts from PostgreSQL. */
export async function startCollectionsSubgraph(options: CollectionsSubgraphOptions): Promise<SubgraphServer> {
  const { postgres, logger } = options;
  const services: CollectionsServices = {
    collections: createCollectionsStore(postgres, logger),
    items: createCollectionItemsStore(postgres, logger),
    ...createCommandServices(options, topics.collectionsCommands),
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
    ...servingOf(options),
    // Reads need only PostgreSQL; Kafka or Cassandra being down fails mutations alone.
    ready: () => postgresReady(postgres),
  });
}
