import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readCredentials, stackDirFromEnv } from '../../src/credentials.ts';

const admin = readCredentials(stackDirFromEnv()).postgres.admin;
const connection = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT ?? 5432),
  user: admin.username,
  password: admin.password,
  database: process.env.POSTGRES_DB ?? 'verograph',
};

describe('PostgreSQL through pg', () => {
  const client = new pg.Client(connection);
  const table = `probe_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text NOT NULL)`);
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  it('commits a transaction as a whole', async () => {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} VALUES (1, 'one'), (2, 'two')`);
    await client.query('COMMIT');
    const rows = await client.query(`SELECT id, note FROM ${table} ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
    ]);
  });

  it('rolls a failed transaction back, leaving nothing half-written', async () => {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} VALUES (3, 'three')`);
    await expect(client.query(`INSERT INTO ${table} VALUES (1, 'duplicate')`)).rejects.toThrow(/duplicate key/);
    await client.query('ROLLBACK');
    const rows = await client.query(`SELECT id FROM ${table} ORDER BY id`);
    expect(rows.rows.map((r: { id: number }) => r.id)).toEqual([1, 2]);
  });

  it('runs the migrated schema', async () => {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['collection_items', 'collections', 'schema_migrations']),
    );
  });
});
