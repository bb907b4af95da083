import pg from 'pg';

import type { Migration, MigrationTarget } from './migration.ts';

export interface PostgresTargetOptions {
  readonly connection: pg.ClientConfig;
  /** Ledger table, `schema_migrations` unless a test keeps its own. */
  readonly ledger?: string;
}

/** Each migration and its ledger row commit in one transaction: PostgreSQL has transactional DDL. */
export function postgresTarget(client: pg.Client, options: { ledger?: string } = {}): MigrationTarget {
  const ledger = pg.escapeIdentifier(options.ledger ?? 'schema_migrations');
  return {
    engine: 'postgres',
    async applied() {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${ledger} (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const rows = await client.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${ledger}`);
      return new Map(rows.rows.map((r) => [r.id, r.checksum]));
    },
    async apply(migration: Migration) {
      await client.query('BEGIN');
      try {
        await client.query(migration.body);
        await client.query(`INSERT INTO ${ledger} (id, checksum) VALUES ($1, $2)`, [migration.id, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
  };
}

/** `CREATE DATABASE` cannot run inside a transaction or be conditional, so it is checked first. */
export async function ensureDatabase(admin: pg.Client, database: string): Promise<boolean> {
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount) return false;
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  return true;
}
