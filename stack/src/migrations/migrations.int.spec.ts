import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { cassandraTarget, keyspaceCql } from './cassandraTarget.ts';
import { elasticsearchTarget } from './elasticsearchTarget.ts';
import { kafkaSasl } from '../../engines/kafka/kafka.ts';
import { readCredentials, stackDirFromEnv } from '../credentials.ts';
import { reconcileAcls } from './kafkaAcls.ts';
import { reconcileTopics } from './kafkaTopics.ts';
import { loadMigrations, migrate } from './migration.ts';
import { postgresTarget } from './postgresTarget.ts';

const host = '127.0.0.1';
const unique = `${process.pid}_${Date.now()}`;
// Migrations run as each engine's admin.
const credentials = readCredentials(stackDirFromEnv());

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('PostgreSQL migrations', () => {
  const client = new pg.Client({
    host,
    port: Number(process.env.POSTGRES_PORT ?? 5432),
    user: credentials.postgres.admin.username,
    password: credentials.postgres.admin.password,
    database: 'verograph',
  });
  const ledger = `ledger_${unique}`;
  const table = `probe_${unique}`;
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${ledger}, ${table}`);
    await client.end();
  });

  it('applies once, records in the ledger, and rolls back a failing migration entirely', async () => {
    await client.connect();
    const target = postgresTarget(client, { ledger });
    const first = loadMigrations(folder({ '0001_probe.sql': `CREATE TABLE ${table} (id int PRIMARY KEY);` }), 'sql');
    expect(await migrate(target, first)).toEqual(['0001_probe']);
    expect(await migrate(target, first)).toEqual([]);

    const broken = loadMigrations(
      folder({
        '0001_probe.sql': `CREATE TABLE ${table} (id int PRIMARY KEY);`,
        '0002_half.sql': `ALTER TABLE ${table} ADD COLUMN note text; SELECT no_such_function();`,
      }),
      'sql',
    );
    await expect(migrate(target, broken)).rejects.toThrow(/0002_half failed/);
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1`, [
      table,
    ]);
    expect(columns.rows.map((r: { column_name: string }) => r.column_name)).toEqual(['id']);
    const recorded = await client.query(`SELECT id FROM ${ledger} ORDER BY id`);
    expect(recorded.rows.map((r: { id: string }) => r.id)).toEqual(['0001_probe']);
  });
});

describe('Cassandra migrations', () => {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${process.env.CASSANDRA_PORT ?? 9042}`],
    localDataCenter: 'datacenter1',
    authProvider: new cassandra.auth.PlainTextAuthProvider(
      credentials.cassandra.admin.username,
      credentials.cassandra.admin.password,
    ),
  });
  const keyspace = `probe_${unique}`;
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('applies each statement once and records the migration', async () => {
    await client.execute(keyspaceCql(keyspace, 1));
    const target = cassandraTarget(client, keyspace);
    const migrations = loadMigrations(
      folder({
        '0001_things.cql': `CREATE TABLE IF NOT EXISTS ${keyspace}.things (id text PRIMARY KEY, note text);\nINSERT INTO ${keyspace}.things (id, note) VALUES ('a', 'first;one');`,
      }),
      'cql',
    );
    expect(await migrate(target, migrations)).toEqual(['0001_things']);
    expect(await migrate(target, migrations)).toEqual([]);
    const row = await client.execute(`SELECT note FROM ${keyspace}.things WHERE id = 'a'`);
    expect(row.first()?.get('note')).toBe('first;one');
  });
});

describe('Elasticsearch migrations', () => {
  const client = new ElasticsearchClient({ node: `http://${host}:${process.env.ELASTICSEARCH_PORT ?? 9200}` });
  const ledgerIndex = `probe-ledger-${unique}`;
  const template = `probe-template-${unique}`;
  const index = `probe-${unique}-v1`;
  afterAll(async () => {
    await client.indices.delete(
      { index: [ledgerIndex, `${ledgerIndex}-aliases`, index, `probe-${unique}-v2`], ignore_unavailable: true },
      { ignore: [404] },
    );
    await client.indices.deleteIndexTemplate({ name: template }, { ignore: [404] });
    await client.close();
  });

  it('puts templates, creates indices that follow them, and records the migration', async () => {
    const body = {
      index_templates: {
        [template]: {
          index_patterns: [`probe-${unique}-*`],
          template: { settings: { number_of_replicas: 0 }, mappings: { properties: { tag: { type: 'keyword' } } } },
        },
      },
      indices: { [index]: {} },
    };
    const target = elasticsearchTarget(client, ledgerIndex);
    const migrations = loadMigrations(folder({ '0001_probe.json': JSON.stringify(body) }), 'json');
    expect(await migrate(target, migrations)).toEqual(['0001_probe']);
    expect(await migrate(target, migrations)).toEqual([]);
    const mapping = await client.indices.getMapping({ index });
    expect(mapping[index]?.mappings.properties?.tag).toEqual({ type: 'keyword' });
  });

  it('moves an alias to a new index version and retires the old one in one atomic step', async () => {
    const alias = `probe-${unique}`;
    const next = `probe-${unique}-v2`;
    const target = elasticsearchTarget(client, `${ledgerIndex}-aliases`);
    const migrations = loadMigrations(
      folder({
        '0001_v1.json': JSON.stringify({ indices: { [index]: { aliases: { [alias]: {} } } } }),
        '0002_v2.json': JSON.stringify({ indices: { [next]: { aliases: { [alias]: { is_write_index: true } } } } }),
        '0003_retire_v1.json': JSON.stringify({ alias_actions: [{ remove_index: { index } }] }),
      }),
      'json',
    );
    await client.indices.delete({ index }, { ignore: [404] });
    expect(await migrate(target, migrations)).toEqual(['0001_v1', '0002_v2', '0003_retire_v1']);
    expect(Object.keys(await client.indices.getAlias({ name: alias }))).toEqual([next]);
    expect(await client.indices.exists({ index })).toBe(false);
    expect(await migrate(target, migrations)).toEqual([]);
  });
});

describe('Kafka topic migrations', () => {
  const admin = new kafkajs.Kafka({
    brokers: [`${host}:${process.env.KAFKA_PORT ?? 9092}`],
    sasl: kafkaSasl(credentials.kafka.admin),
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  const topic = `probe.migrations.${unique}`;
  const principal = `probe_${unique}`;
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin
      .deleteAcls({
        filters: [
          {
            resourceType: kafkajs.AclResourceTypes.ANY,
            resourcePatternType: kafkajs.ResourcePatternTypes.ANY,
            principal: `User:${principal}`,
            operation: kafkajs.AclOperationTypes.ANY,
            permissionType: kafkajs.AclPermissionTypes.ANY,
          },
        ],
      })
      .catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic, is a no-op when nothing changed, then grows partitions and sets config', async () => {
    await admin.connect();
    const spec = (partitions: number, retention: string) =>
      JSON.stringify({ topics: [{ name: topic, partitions, config: { 'retention.ms': retention } }] });
    const v1 = loadMigrations(folder({ '0001_topic.json': spec(2, '60000') }), 'json');
    expect(await reconcileTopics(admin, v1, 1)).toEqual([`created ${topic}`]);
    expect(await reconcileTopics(admin, v1, 1)).toEqual([]);

    const v2 = loadMigrations(
      folder({ '0001_topic.json': spec(2, '60000'), '0002_grow.json': spec(4, '120000') }),
      'json',
    );
    expect(await reconcileTopics(admin, v2, 1)).toEqual([
      `grew ${topic} to 4 partitions`,
      `set retention.ms=120000 on ${topic}`,
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
  });

  it('grants the declared ACLs once, and revokes a right a later declaration takes away', async () => {
    await admin.connect();
    const acls = (consume: string[]) =>
      JSON.stringify({ principals: { [principal]: { consume, produce: [], groupPrefix: `probe-${unique}` } } });
    const v1 = loadMigrations(folder({ '0002_acls.json': acls([topic]) }), 'json');
    // READ on the topic, READ and DELETE on the group prefix.
    expect(await reconcileAcls(admin, v1)).toEqual(['granted 3 ACLs']);
    expect(await reconcileAcls(admin, v1)).toEqual([]);
    const v2 = loadMigrations(folder({ '0002_acls.json': acls([]) }), 'json');
    expect(await reconcileAcls(admin, v2)).toEqual(['revoked 1 ACLs']);
  });
});
