import type cassandra from 'cassandra-driver';

import type { Migration, MigrationTarget } from './migration.ts';

/**
 * Cassandra has no transactional DDL, so every statement is idempotent (IF NOT EXISTS) and
 * the ledger row is written last: a crash in between re-runs the migration harmlessly.
 */
export function cassandraTarget(
  client: cassandra.Client,
  keyspace: string,
  ledger = 'schema_migrations',
): MigrationTarget {
  const table = `${keyspace}.${ledger}`;
  return {
    engine: 'cassandra',
    async applied() {
      await client.execute(
        `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, checksum text, applied_at timestamp)`,
      );
      const rows = await client.execute(`SELECT id, checksum FROM ${table}`);
      return new Map(rows.rows.map((r) => [String(r.get('id')), String(r.get('checksum'))]));
    },
    async apply(migration: Migration) {
      for (const statement of splitCql(migration.body)) await client.execute(statement);
      await client.execute(`INSERT INTO ${table} (id, checksum, applied_at) VALUES (?, ?, toTimestamp(now()))`, [
        migration.id,
        migration.checksum,
      ]);
    },
  };
}

/** Splits a CQL script into statements: on `;` outside quotes, dropping `--` and `//` comments. */
export function splitCql(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if ((ch === '-' && script[i + 1] === '-') || (ch === '/' && script[i + 1] === '/')) {
      while (i < script.length && script[i] !== '\n') i++;
      current += '\n';
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export function keyspaceCql(keyspace: string, replicationFactor: number): string {
  return (
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ` +
    `{'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`
  );
}
