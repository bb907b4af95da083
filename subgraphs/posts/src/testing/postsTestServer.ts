import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import type { PostCommand } from '@verograph/contracts/posts/v1/commands';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import type { CountingClient, ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import {
  countingClient,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
} from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';

import { startPostsSubgraph } from '../postsSubgraph.ts';

/** A posts subgraph on the real engines, with a commands topic of its own that no writer reads. */
export interface PostsTestServer {
  readonly client: cassandra.Client;
  /** The client the subgraph reads through: its statements since the last reset. */
  readonly counting: CountingClient;
  readonly gql: SignedGraphQLClient;
  readonly fx: ReadModelFixtures;
  readonly kafka: Kafka;
  readonly commandsTopic: string;
  /** The secret the subgraph derives ids with. */
  readonly idSecret: string;
  /**
   * Plays the writer (and projectors) for each command the subgraph publishes, after Kafka
   * has it: e.g. write the read model and record the outcome the mutation waits for.
   */
  onCommand(writer: (command: PostCommand, record: OutgoingRecord) => Promise<void>): void;
  /** Every command record the subgraph published, in order. */
  readonly published: readonly OutgoingRecord[];
  stop(): Promise<void>;
}

export async function startPostsTestServer(
  name: string,
  options: { mutationWaitMs: number; executor?: 'graphql-js' | 'jit' },
): Promise<PostsTestServer> {
  const engines = engineAddresses();
  const client = await localCassandra(name);
  const counting = countingClient(client);
  const kafka = createKafka(name, engines.kafkaBrokers);
  const commandsTopic = `posts.commands.test-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: commandsTopic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const real = await createProducer(kafka);
  let writer: (command: PostCommand, record: OutgoingRecord) => Promise<void> = async () => {};
  const published: OutgoingRecord[] = [];
  const producer: MessageProducer = {
    async send(records) {
      await real.send(records);
      published.push(...records);
      for (const record of records) await writer(fromBinary(PostCommandSchema, record.value), record);
    },
    disconnect: () => real.disconnect(),
  };
  const signingSecret = `${name}-${randomUUID()}`;
  const idSecret = `ids-${randomUUID()}`;
  let server: SubgraphServer;
  try {
    server = await startPostsSubgraph({
      cassandra: counting,
      producer,
      logger: createLogger(name, 'silent'),
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret,
      mutationWaitMs: options.mutationWaitMs,
      idSecret,
      commandsTopic,
      ...(options.executor ? { executor: options.executor } : {}),
    });
  } catch (error) {
    await Promise.allSettled([real.disconnect(), client.shutdown()]);
    throw error;
  }
  return {
    client,
    counting,
    gql: signedGraphQLClient(server.url, signingSecret, 'posts'),
    fx: readModelFixtures(client),
    kafka,
    commandsTopic,
    idSecret,
    published,
    onCommand(next) {
      writer = next;
    },
    async stop() {
      await server.close();
      await producer.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [commandsTopic] });
      await cleanup.disconnect();
      await client.shutdown();
    },
  };
}
