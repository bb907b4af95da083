import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import pg from 'pg';

import { readCredentials, stackDirFromEnv, type Credential, type StackCredentials } from '../credentials.ts';
import { repoRoot } from '../layout.ts';
import { splitCql } from '../migrations/cassandraTarget.ts';

/**
 * Scratch space on the running engines for integration specs: a keyspace, a PostgreSQL schema
 * or a set of indices under names of this run only, built from the repository's own
 * migrations, so parallel runs and other developers never meet, and a spec sees the
 * production tables, mappings and analyzers.
 */

const host = process.env.STACK_HOST ?? '127.0.0.1';
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

let credentials: StackCredentials | undefined;
/** The credentials of the stack the specs run against (`STACK_DIR`); specs sign in as its admin. */
export function stackCredentials(): StackCredentials {
  return (credentials ??= readCredentials(stackDirFromEnv()));
}

/** The Cassandra driver's sign-in as the stack's admin (or as one service's role). */
export function cassandraSignIn(principal: keyof StackCredentials['cassandra'] = 'admin'): cassandra.auth.AuthProvider {
  const { username, password } = stackCredentials().cassandra[principal];
  return new cassandra.auth.PlainTextAuthProvider(username, password);
}

/** A PostgreSQL URL of the stack's database, signed in as its admin (or as one service's role). */
export function postgresUrl(principal: keyof StackCredentials['postgres'] = 'admin', database = 'verograph'): string {
  const { username, password } = stackCredentials().postgres[principal];
  return `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${port('POSTGRES_PORT', 5432)}/${database}`;
}

/** This test run's id: every scratch name carries it. */
export const testRun = randomUUID().replace(/-/g, '').slice(0, 10);

/** The repository's migration scripts for one engine, in the order the stack applies them. */
export function migrationScripts(engine: 'cassandra' | 'postgres', extension: 'cql' | 'sql'): string[] {
  const dir = join(repoRoot, 'migrations', engine);
  return readdirSync(dir)
    .filter((file) => file.endsWith(`.${extension}`))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

export interface ScratchKeyspace<C extends cassandra.Client = cassandra.Client> {
  readonly keyspace: string;
  readonly client: C;
  drop(): Promise<void>;
}

export interface ScratchKeyspaceOptions<C extends cassandra.Client> {
  /** Builds the client the spec uses, on the scratch keyspace (default: a plain driver client). */
  readonly connect?: (settings: {
    contactPoints: string[];
    localDataCenter: string;
    keyspace: string;
    credentials: Credential;
  }) => C;
  /** Which migration statements to run (default: all of them). */
  readonly statements?: (statement: string) => boolean;
}

/** A keyspace of this run holding the tables of migrations/cassandra. */
export async function scratchKeyspace<C extends cassandra.Client = cassandra.Client>(
  name: string,
  options: ScratchKeyspaceOptions<C> = {},
): Promise<ScratchKeyspace<C>> {
  const keyspace = `t_${name}_${testRun}`.toLowerCase();
  const settings = {
    contactPoints: [`${host}:${port('CASSANDRA_PORT', 9042)}`],
    localDataCenter: process.env.CASSANDRA_DATA_CENTER ?? 'datacenter1',
  };
  const admin = new cassandra.Client({ ...settings, authProvider: cassandraSignIn() });
  await admin.connect();
  await admin.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await admin.shutdown();
  const client = (options.connect?.({ ...settings, keyspace, credentials: stackCredentials().cassandra.admin }) ??
    new cassandra.Client({ ...settings, keyspace, authProvider: cassandraSignIn() })) as C;
  await client.connect();
  const wanted = options.statements ?? (() => true);
  for (const script of migrationScripts('cassandra', 'cql')) {
    for (const statement of splitCql(script).filter(wanted)) await client.execute(statement, [], { prepare: false });
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

export interface ScratchSchema {
  readonly schema: string;
  /** A pool whose search path is the scratch schema. */
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

/** A PostgreSQL schema of this run holding the tables of migrations/postgres. */
export async function scratchPostgresSchema(name: string): Promise<ScratchSchema> {
  const schema = `t_${name}_${testRun}`.toLowerCase();
  const url = postgresUrl();
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await setup.query(`SET search_path TO ${schema}`);
  for (const script of migrationScripts('postgres', 'sql')) await setup.query(script);
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

/** The search indices, by role. */
export interface ScratchIndexNames {
  readonly users: string;
  readonly posts: string;
  readonly audiences: string;
}

export interface ScratchIndices {
  readonly client: ElasticsearchClient;
  readonly indices: ScratchIndexNames;
  /** Makes everything written so far searchable. */
  refresh(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * Indices of this run named like the real ones (users-*, posts-*, audiences-*), so the index
 * templates of migrations/elasticsearch give them the production mappings and analyzers.
 */
export async function scratchSearchIndices(name: string): Promise<ScratchIndices> {
  const client = new ElasticsearchClient({ node: `http://${host}:${port('ELASTICSEARCH_PORT', 9200)}` });
  const suffix = `t${name}${testRun}`.toLowerCase();
  const indices: ScratchIndexNames = {
    users: `users-${suffix}`,
    posts: `posts-${suffix}`,
    audiences: `audiences-${suffix}`,
  };
  for (const index of Object.values(indices)) await client.indices.create({ index });
  return {
    client,
    indices,
    async refresh() {
      await client.indices.refresh({ index: Object.values(indices) });
    },
    async drop() {
      await client.indices.delete({ index: Object.values(indices), ignore_unavailable: true }, { ignore: [404] });
      await client.close();
    },
  };
}

/** Polls until `probe` gives a value (a spec waiting for an asynchronous consumer). */
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
