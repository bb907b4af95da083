import { readFileSync } from 'node:fs';

import type { MessageProducer } from '@verograph/messaging';
import { topics } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { CqlClient, MutationLimits, SubgraphServer } from '@verograph/subgraph-kit';
import {
  cassandraReady,
  createCommandBus,
  createOutcomeReader,
  createSubgraphServer,
  dateTimeScalar,
} from '@verograph/subgraph-kit';
import { createPostAudienceCheck } from '@verograph/posts-subgraph/audienceCheck';
import { parse } from 'graphql';
import type { Registry } from 'prom-client';

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

export interface UsersSubgraphOptions {
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
  /** Where its commands go; `users.commands` unless a test keeps its own. */
  readonly commandsTopic?: string;
}

/** Starts the users subgraph: profiles, follows and connections from Cassandra. */
export async function startUsersSubgraph(options: UsersSubgraphOptions): Promise<SubgraphServer> {
  const { cassandra, producer, logger, metrics } = options;
  const services: UsersServices = {
    users: createUsersStore(cassandra),
    relationships: createRelationshipsStore(cassandra),
    socialGraph: createSocialGraphStore(cassandra),
    bus: createCommandBus({
      producer,
      outcomes: createOutcomeReader(cassandra),
      waitMs: options.mutationWaitMs,
      limits: options.mutationLimits,
      metrics,
      logger,
    }),
    idSecret: options.idSecret,
    commandsTopic: options.commandsTopic ?? topics.usersCommands,
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
    port: options.port,
    ...(options.opsPort !== undefined ? { opsPort: options.opsPort } : {}),
    host: options.host,
    signingSecret: options.signingSecret,
    logger,
    metrics,
    ready: () => cassandraReady(cassandra),
  });
}
