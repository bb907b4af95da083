import { readFileSync } from 'node:fs';

import { topics } from '@verograph/messaging';
import type { CqlClient, SubgraphCommandOptions, SubgraphServer, SubgraphServing } from '@verograph/subgraph-kit';
import {
  cassandraReady,
  createCommandServices,
  createSubgraphServer,
  dateTimeScalar,
  servingOf,
} from '@verograph/subgraph-kit';
import { createPostAudienceCheck } from '@verograph/posts-subgraph/audienceCheck';
import { parse } from 'graphql';

import { createUsersContext, type UsersContext, type UsersServices } from './context.ts';
import { notificationResolvers } from './notifications/notificationResolvers.ts';
import { createNotificationsStore } from './notifications/notificationsStore.ts';
import { profileResolvers } from './profile/profileMutations.ts';
import { relationshipResolvers } from './relationships/relationshipMutations.ts';
import { createRelationshipsStore } from './relationships/relationshipsStore.ts';
import { socialGraphResolvers } from './relationships/socialGraphResolvers.ts';
import { createSocialGraphStore } from './relationships/socialGraphStore.ts';
import { userResolvers } from './users/userResolvers.ts';
import { createUsersStore } from './users/usersStore.ts';

/** The users subgraph's SDL, the contract composed into the supergraph. */
export const usersTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface UsersSubgraphOptions extends SubgraphServing, SubgraphCommandOptions {
  readonly cassandra: CqlClient;
}

/** Starts the users subgraph: profiles, follows and connections from Cassandra. */
export async function startUsersSubgraph(options: UsersSubgraphOptions): Promise<SubgraphServer> {
  const { cassandra } = options;
  const services: UsersServices = {
    users: createUsersStore(cassandra),
    relationships: createRelationshipsStore(cassandra),
    socialGraph: createSocialGraphStore(cassandra),
    ...createCommandServices(options, topics.usersCommands),
    notifications: { store: createNotificationsStore(cassandra), audience: createPostAudienceCheck(cassandra) },
  };
  return createSubgraphServer<UsersContext>({
    name: 'users',
    typeDefs: usersTypeDefs,
    resolvers: {
      DateTime: dateTimeScalar,
      Query: userResolvers.Query,
      User: { ...userResolvers.User, ...socialGraphResolvers.User, ...notificationResolvers.User },
      Notification: notificationResolvers.Notification,
      Subscription: notificationResolvers.Subscription,
      Mutation: {
        ...profileResolvers.Mutation,
        ...relationshipResolvers.Mutation,
        ...notificationResolvers.Mutation,
      },
    },
    context: (viewer) => createUsersContext(services, viewer),
    ...servingOf(options),
    ready: () => cassandraReady(cassandra),
  });
}
