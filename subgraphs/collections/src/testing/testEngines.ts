import { createKafka } from '@verograph/messaging';
import {
  scratchKeyspace,
  scratchPostgresSchema,
  testRun,
  until,
  type ScratchKeyspace,
  type ScratchSchema,
} from '@verograph/stack/testing';
import { errorCodes, signedGraphQLClient, type GraphQLAnswer } from '@verograph/subgraph-kit/testing';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';

/**
 * Real engines for this subgraph's integration specs: the shared scratch schema and keyspace
 * (`@verograph/stack/testing`) and a commands topic of this run only.
 */
const host = '127.0.0.1';
export const run = testRun;
export const silentLogger = pino({ level: 'silent' });
export const TEST_SECRET = 'collections-spec-signing-secret';

export type TestSchema = ScratchSchema;
export type TestKeyspace = ScratchKeyspace;

/** A schema of this run holding the collections read model, and a pool whose search path is it. */
export const freshPostgresSchema = scratchPostgresSchema;

/** A keyspace of this run with the writers' decision log only: mutations read outcomes there. */
export const freshOutcomesKeyspace = (name: string): Promise<TestKeyspace> =>
  scratchKeyspace(name, { statements: (statement) => statement.includes('command_outcomes') });

export interface TestTopic {
  readonly kafka: Kafka;
  readonly topic: string;
  /** Every record on the topic so far, read by a consumer group of this run. */
  readonly received: KafkaMessage[];
  drop(): Promise<void>;
}

/** A topic of this run, with a consumer (a group of its own) collecting what lands on it. */
export async function freshCommandsTopic(name: string): Promise<TestTopic> {
  const kafka = createKafka(`collections-spec-${run}`, [`${host}:${process.env.KAFKA_PORT ?? 9092}`]);
  const topic = `test.collections.${name}.commands.${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const received: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: `test.collections.${name}.${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  await ready;
  return {
    kafka,
    topic,
    received,
    async drop() {
      await consumer.disconnect();
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await a.disconnect();
    },
  };
}

/** Asks the subgraph as the gateway would: signed for `viewerId` (undefined: anonymous). */
export async function askAs<D = Record<string, unknown>>(
  url: string,
  viewerId: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  options: { secret?: string; signed?: boolean; headers?: Record<string, string> } = {},
): Promise<GraphQLAnswer<D>> {
  const client = signedGraphQLClient(url, options.secret ?? TEST_SECRET, 'collections');
  return options.signed === false
    ? ((await client.raw(options.headers ?? {}, { query, variables })) as GraphQLAnswer<D>)
    : client.query<D>(viewerId, query, variables, options.headers);
}

/** The codes of an answer's errors, in order. */
export const codes = errorCodes;

export { until };
