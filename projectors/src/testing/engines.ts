import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { createKafka } from '@verograph/messaging';
import { splitCql } from '@verograph/stack';
import cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';

import { createCassandraClient } from '../cassandra/cassandraClient.ts';
import type { StreamTopics } from '../events/projectedEvent.ts';
import type { SearchIndices } from '../search/searchStore.ts';

/**
 * Real engines for integration specs, each under names of this run only (a keyspace, a
 * PostgreSQL schema, indices, topics), built from the repository's own migrations, so parallel
 * runs and other developers never meet.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const host = '127.0.0.1';
export const run = randomUUID().replace(/-/g, '').slice(0, 10);
export const silentLogger = pino({ level: 'silent' });

function migrationFiles(engine: string, ext: string): string[] {
  const dir = join(root, 'migrations', engine);
  return readdirSync(dir)
    .filter((f) => f.endsWith(`.${ext}`))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

export interface TestKeyspace {
  readonly keyspace: string;
  readonly client: cassandra.Client;
  drop(): Promise<void>;
}

export async function freshKeyspace(name: string): Promise<TestKeyspace> {
  const keyspace = `t_${name}_${run}`.toLowerCase();
  const admin = new cassandra.Client({ contactPoints: [`${host}:9042`], localDataCenter: 'datacenter1' });
  await admin.connect();
  await admin.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await admin.shutdown();
  const client = createCassandraClient({ contactPoints: [`${host}:9042`], localDataCenter: 'datacenter1', keyspace });
  await client.connect();
  for (const script of migrationFiles('cassandra', 'cql')) {
    for (const statement of splitCql(script)) await client.execute(statement, [], { prepare: false });
  }
  return {
    keyspace,
    client,
    async drop() {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
      await client.shutdown();
    },
  };
}

export interface TestSchema {
  readonly schema: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

export async function freshPostgresSchema(name: string): Promise<TestSchema> {
  const schema = `t_${name}_${run}`.toLowerCase();
  const url = `postgres://postgres@${host}:5432/verograph`;
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await setup.query(`SET search_path TO ${schema}`);
  for (const script of migrationFiles('postgres', 'sql')) await setup.query(script);
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  return {
    schema,
    pool,
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}

export interface TestIndices {
  readonly client: ElasticsearchClient;
  readonly indices: SearchIndices;
  refresh(): Promise<void>;
  drop(): Promise<void>;
}

/** Indices named like the real ones (users-*, posts-*, audiences-*), so the templates' mappings apply. */
export async function freshIndices(name: string): Promise<TestIndices> {
  const client = new ElasticsearchClient({ node: `http://${host}:9200` });
  const suffix = `t${name}${run}`.toLowerCase();
  const indices: SearchIndices = {
    users: `users-${suffix}`,
    posts: `posts-${suffix}`,
    audiences: `audiences-${suffix}`,
  };
  for (const index of Object.values(indices)) await client.indices.create({ index });
  return {
    client,
    indices,
    refresh: async () => {
      await client.indices.refresh({ index: Object.values(indices) });
    },
    async drop() {
      await client.indices.delete({ index: Object.values(indices) }, { ignore: [404] });
      await client.close();
    },
  };
}

export interface TestTopics {
  readonly kafka: Kafka;
  readonly topics: StreamTopics;
  readonly feedUpdates: string;
  readonly engagementUpdates: string;
  readonly deadLetter: string;
  drop(): Promise<void>;
}

export async function freshTopics(name: string, partitions = 3): Promise<TestTopics> {
  const kafka = createKafka(`projectors-test-${name}-${run}`, [`${host}:9092`]);
  const t = (what: string) => `test.projectors.${name}.${what}.${run}`;
  const topics: StreamTopics = { users: t('users'), posts: t('posts'), collections: t('collections') };
  const extra = {
    feedUpdates: t('feed-updates'),
    engagementUpdates: t('engagement-updates'),
    deadLetter: t('deadletter'),
  };
  const all = [...Object.values(topics), ...Object.values(extra)];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: all.map((topic) => ({ topic, numPartitions: partitions })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  return {
    kafka,
    topics,
    ...extra,
    async drop() {
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: all }).catch(() => undefined);
      // Every group a spec of this run created has the run in its id (see testGroup).
      const groups = (await a.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(`.${run}.`));
      if (groups.length > 0) await a.deleteGroups(groups).catch(() => undefined);
      await a.disconnect();
    },
  };
}

/** A consumer group id of this run only, removed by TestTopics.drop(). */
export function testGroup(name: string): string {
  return `test.projectors.${name}.${run}.${randomUUID().slice(0, 8)}`;
}

/** Polls until `probe` gives a value (specs waiting for an asynchronous consumer). */
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
