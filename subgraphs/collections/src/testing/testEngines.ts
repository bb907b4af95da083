import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createKafka } from '@verograph/messaging';
import { signViewer } from '@verograph/service';
import cassandra from 'cassandra-driver';
import type { Kafka, KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';

/**
 * Real engines for this subgraph's integration specs, each under names of this run only (a
 * PostgreSQL schema, a Cassandra keyspace, a Kafka topic), built from the repository's own
 * migrations, so parallel runs and other developers never meet.
 */
const host = '127.0.0.1';
export const run = randomUUID().replace(/-/g, '').slice(0, 10);
export const silentLogger = pino({ level: 'silent' });
export const TEST_SECRET = 'collections-spec-signing-secret';

const migration = (path: string) => readFileSync(new URL(`../../../../migrations/${path}`, import.meta.url), 'utf8');

export interface TestSchema {
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

/** A schema of this run holding the collections read model, and a pool whose search path is it. */
export async function freshPostgresSchema(name: string): Promise<TestSchema> {
  const schema = `t_${name}_${run}`.toLowerCase();
  const url = `postgres://postgres@${host}:5432/verograph`;
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await setup.query(`SET search_path TO ${schema}`);
  for (const file of ['0001_collections.sql', '0002_visibility.sql']) await setup.query(migration(`postgres/${file}`));
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  return {
    pool,
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}

export interface TestKeyspace {
  readonly client: cassandra.Client;
  drop(): Promise<void>;
}

/** A keyspace of this run with the writers' decision log only: mutations read outcomes there. */
export async function freshOutcomesKeyspace(name: string): Promise<TestKeyspace> {
  const keyspace = `t_${name}_${run}`.toLowerCase();
  const admin = new cassandra.Client({ contactPoints: [`${host}:9042`], localDataCenter: 'datacenter1' });
  await admin.connect();
  await admin.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await admin.shutdown();
  const client = new cassandra.Client({ contactPoints: [`${host}:9042`], localDataCenter: 'datacenter1', keyspace });
  await client.connect();
  const statements = migration('cassandra/0003_writers.cql')
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.includes('command_outcomes'));
  for (const statement of statements) await client.execute(statement);
  return {
    client,
    async drop() {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
      await client.shutdown();
    },
  };
}

export interface TestTopic {
  readonly kafka: Kafka;
  readonly topic: string;
  /** Every record on the topic so far, read by a consumer group of this run. */
  readonly received: KafkaMessage[];
  drop(): Promise<void>;
}

/** A topic of this run, with a consumer (a group of its own) collecting what lands on it. */
export async function freshCommandsTopic(name: string): Promise<TestTopic> {
  const kafka = createKafka(`collections-spec-${run}`, [`${host}:9092`]);
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

export interface GraphQLAnswer<D = Record<string, unknown>> {
  readonly status: number;
  readonly data?: D | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: unknown[]; extensions?: { code?: string } }>;
}

/** Asks the subgraph as the gateway would: signed for `viewerId` (undefined: anonymous). */
export async function askAs<D = Record<string, unknown>>(
  url: string,
  viewerId: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  options: { secret?: string; signed?: boolean; headers?: Record<string, string> } = {},
): Promise<GraphQLAnswer<D>> {
  const signature = options.signed === false ? {} : signViewer(options.secret ?? TEST_SECRET, viewerId);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signature, ...options.headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLAnswer<D>, 'status'>;
  return { status: response.status, ...body };
}

/** The codes of an answer's errors, in order. */
export const codes = (answer: GraphQLAnswer<unknown>) => (answer.errors ?? []).map((e) => e.extensions?.code);

/** Polls until `probe` gives a value. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
