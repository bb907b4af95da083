import { join } from 'node:path';

import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import kafkajs from 'kafkajs';
import pg from 'pg';

import { cassandraAuth } from '../../engines/cassandra/cassandra.ts';
import { kafkaSasl } from '../../engines/kafka/kafka.ts';
import { readCredentials, stackDirFromEnv, type StackCredentials } from '../credentials.ts';
import { repoRoot } from '../layout.ts';
import { cassandraTarget, keyspaceCql } from './cassandraTarget.ts';
import { elasticsearchTarget } from './elasticsearchTarget.ts';
import { reconcileAcls } from './kafkaAcls.ts';
import { reconcileTopics } from './kafkaTopics.ts';
import { loadMigrations, migrate } from './migration.ts';
import { ensureDatabase, postgresTarget } from './postgresTarget.ts';

/** Where each engine listens; the stack passes its own contexts' addresses. */
export interface MigrationEndpoints {
  readonly kafka?: { host: string; port: number };
  readonly cassandra?: { host: string; port: number };
  readonly elasticsearch?: { host: string; port: number };
  readonly postgres?: { host: string; port: number };
}

export interface MigrationSettings {
  /** Folder holding one sub-folder per engine. */
  readonly dir: string;
  readonly cassandraKeyspace: string;
  readonly postgresDatabase: string;
  /** 1 on one machine; 3 in production. */
  readonly replicationFactor: number;
  /** The stack's credentials: migrations run as each engine's admin. */
  readonly credentials: StackCredentials;
}

export function migrationSettings(env: NodeJS.ProcessEnv = process.env): MigrationSettings {
  return {
    dir: join(repoRoot, 'migrations'),
    cassandraKeyspace: env.CASSANDRA_KEYSPACE ?? 'verograph',
    postgresDatabase: env.POSTGRES_DB ?? 'verograph',
    replicationFactor: Number(env.STACK_REPLICATION_FACTOR ?? 1),
    // Read on first use: settings are built before knowing which engines migrate.
    get credentials() {
      return readCredentials(stackDirFromEnv(env));
    },
  };
}

/** Applies every engine's pending migrations; returns what changed, per engine. */
export async function runMigrations(
  endpoints: MigrationEndpoints,
  settings: MigrationSettings,
): Promise<Record<string, string[]>> {
  const report: Record<string, string[]> = {};
  if (endpoints.postgres) report.postgres = await migratePostgres(endpoints.postgres, settings);
  if (endpoints.cassandra) report.cassandra = await migrateCassandra(endpoints.cassandra, settings);
  if (endpoints.elasticsearch) report.elasticsearch = await migrateElasticsearch(endpoints.elasticsearch, settings);
  if (endpoints.kafka) report.kafka = await migrateKafka(endpoints.kafka, settings);
  return report;
}

async function migratePostgres(at: { host: string; port: number }, settings: MigrationSettings): Promise<string[]> {
  const { username: user, password } = settings.credentials.postgres.admin;
  const admin = new pg.Client({ host: at.host, port: at.port, user, password, database: 'postgres' });
  await admin.connect();
  try {
    await ensureDatabase(admin, settings.postgresDatabase);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ host: at.host, port: at.port, user, password, database: settings.postgresDatabase });
  await client.connect();
  try {
    return await migrate(postgresTarget(client), loadMigrations(join(settings.dir, 'postgres'), 'sql'));
  } finally {
    await client.end();
  }
}

async function migrateCassandra(at: { host: string; port: number }, settings: MigrationSettings): Promise<string[]> {
  const client = new cassandra.Client({
    contactPoints: [`${at.host}:${at.port}`],
    localDataCenter: 'datacenter1',
    authProvider: cassandraAuth(settings.credentials.cassandra.admin),
  });
  await client.connect();
  try {
    await client.execute(keyspaceCql(settings.cassandraKeyspace, settings.replicationFactor));
    await client.execute(`USE ${settings.cassandraKeyspace}`);
    return await migrate(
      cassandraTarget(client, settings.cassandraKeyspace),
      loadMigrations(join(settings.dir, 'cassandra'), 'cql'),
    );
  } finally {
    await client.shutdown();
  }
}

async function migrateElasticsearch(
  at: { host: string; port: number },
  settings: MigrationSettings,
): Promise<string[]> {
  const client = new ElasticsearchClient({ node: `http://${at.host}:${at.port}` });
  try {
    return await migrate(elasticsearchTarget(client), loadMigrations(join(settings.dir, 'elasticsearch'), 'json'));
  } finally {
    await client.close();
  }
}

async function migrateKafka(at: { host: string; port: number }, settings: MigrationSettings): Promise<string[]> {
  const admin = new kafkajs.Kafka({
    clientId: 'verograph-migrations',
    brokers: [`${at.host}:${at.port}`],
    sasl: kafkaSasl(settings.credentials.kafka.admin),
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const migrations = loadMigrations(join(settings.dir, 'kafka'), 'json');
    // Topics first: an ACL may name a topic that this run creates.
    const topics = await reconcileTopics(admin, migrations, settings.replicationFactor);
    return [...topics, ...(await reconcileAcls(admin, migrations))];
  } finally {
    await admin.disconnect();
  }
}
