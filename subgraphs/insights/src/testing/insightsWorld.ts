import { randomUUID } from 'node:crypto';

import { mintToken } from '@verograph/gateway';
import { JWT_SECRET, postGraphQL, SIGNING_SECRET, startTestGateway } from '@verograph/gateway/testing';
import { createKafka, createProducer, runConsumer } from '@verograph/messaging';
import { postsTypeDefs, startPostsSubgraph } from '@verograph/posts-subgraph';
import {
  createInsightsStore,
  insightsBatchHandler,
  createCassandraClient as projectorsCassandraClient,
  type InsightTopics,
} from '@verograph/projectors';
import { engineAddresses } from '@verograph/service';
import { scratchKeyspace, stackCredentials, testRun } from '@verograph/stack/testing';
import { createCassandraClient } from '@verograph/subgraph-kit';
import { readModelFixtures } from '@verograph/subgraph-kit/testing';
import { startUsersSubgraph, usersTypeDefs } from '@verograph/users-subgraph';
import { print } from 'graphql';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { insightsTypeDefs, startInsightsSubgraph } from '../insightsSubgraph.ts';

/** One result record, as the insights job publishes it. */
export interface ResultRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
}

/**
 * The insights path on the real engines, for integration specs and `npm run bench -- insights`:
 * result topics and a keyspace of this run, the insights projector consuming them, and the real
 * gateway over the users, posts and insights subgraphs. Given `topics` (a job's own result
 * topics, which the caller creates and deletes), the projector reads those instead.
 */
export async function startInsightsWorld(options: { topics?: InsightTopics } = {}) {
  const logger = pino({ level: 'silent' });
  const ownTopics = options.topics === undefined;
  const topics: InsightTopics = options.topics ?? {
    trendingTags: `test.insights.trending_tags.${testRun}`,
    postEngagement: `test.insights.post_engagement.${testRun}`,
    followerChanges: `test.insights.follower_changes.${testRun}`,
  };
  const deadLetter = `test.insights.deadletter.${testRun}`;
  const ks = await scratchKeyspace('insights_gw');
  const fx = readModelFixtures(ks.client);
  const engines = engineAddresses();
  const settings = {
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    keyspace: ks.keyspace,
  };
  // The projector signs in as its own role: the grants of migrations/cassandra/0043 are what let
  // it write. The subgraph signs in as the admin: until this branch is merged, other worktrees'
  // runs rewrite the shared stack's credentials without the insights role's password (its grants
  // are tried in stack/src/security/insightsRoles.int.spec.ts).
  const credentials = stackCredentials().cassandra;
  const projectorClient = projectorsCassandraClient({ ...settings, credentials: credentials.projectors });
  const insightsClient = createCassandraClient({ ...settings, credentials: credentials.admin }, 'insights-gw-int');

  const kafka = createKafka(`insights-gw-int-${testRun}`, engines.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [...(ownTopics ? Object.values(topics) : []), deadLetter].map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = await createProducer(kafka);
  const projectorGroupId = `test-projectors-insights-${testRun}`;
  const projector = await runConsumer({
    kafka,
    groupId: projectorGroupId,
    topics: Object.values(topics),
    handleBatch: insightsBatchHandler({
      store: createInsightsStore(projectorClient),
      topics,
      clock: () => new Date(),
      logger,
    }),
    logger,
    metrics: new Registry(),
    deadLetterTopic: deadLetter,
    fromBeginning: true,
  });

  const common = { logger, port: 0, host: '127.0.0.1', signingSecret: SIGNING_SECRET };
  // Commands go nowhere a writer reads: these specs only read.
  const writes = {
    cassandra: ks.client,
    producer,
    mutationWaitMs: 100,
    commandsTopic: `unused-${testRun}`,
    idSecret: `ids-${testRun}`,
  };
  const servers = [
    await startUsersSubgraph({ ...common, ...writes, metrics: new Registry() }),
    await startPostsSubgraph({ ...common, ...writes, metrics: new Registry() }),
    await startInsightsSubgraph({ ...common, metrics: new Registry(), cassandra: insightsClient }),
  ];
  const [users, posts, insights] = servers;
  const gateway = await startTestGateway({
    // Its live and entity-cache consumers on the Kafka of this run's engines (not the default port).
    env: { KAFKA_BROKERS: engines.kafkaBrokers.join(',') },
    subgraphs: [
      { name: 'users', url: users!.url, typeDefs: print(usersTypeDefs) },
      { name: 'posts', url: posts!.url, typeDefs: print(postsTypeDefs) },
      { name: 'insights', url: insights!.url, typeDefs: print(insightsTypeDefs) },
    ],
  });

  return {
    topics,
    /** The insights projector's consumer group: its committed offsets say how far it has read. */
    projectorGroupId,
    fx,
    /** Asks the gateway as `viewerId` (undefined: anonymous). */
    ask: async (viewerId: string | undefined, query: string, variables: Record<string, unknown> = {}) =>
      postGraphQL(
        gateway.graphqlUrl,
        { query, variables },
        viewerId ? { authorization: `Bearer ${await mintToken(JWT_SECRET, viewerId)}` } : {},
      ),
    /** Publishes results in one committed transaction, as the job's transactional sink does. */
    async publish(records: readonly ResultRecord[]) {
      const tx = kafka.producer({
        transactionalId: `test-insights-gw-${testRun}-${randomUUID()}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await tx.connect();
      try {
        const transaction = await tx.transaction();
        for (const r of records) {
          await transaction.send({ topic: r.topic, messages: [{ key: r.key, value: Buffer.from(r.value) }] });
        }
        await transaction.commit();
      } finally {
        await tx.disconnect();
      }
    },
    async stop() {
      await gateway.stop();
      await Promise.all(servers.map((s) => s.close()));
      await projector.stop();
      await producer.disconnect();
      const a = kafka.admin();
      await a.connect();
      await a
        .deleteTopics({ topics: [...(ownTopics ? Object.values(topics) : []), deadLetter] })
        .catch(() => undefined);
      await a.disconnect();
      await projectorClient.shutdown();
      await insightsClient.shutdown();
      await ks.drop();
    },
  };
}

export type InsightsWorld = Awaited<ReturnType<typeof startInsightsWorld>>;
