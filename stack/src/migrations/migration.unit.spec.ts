import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { splitCql } from './cassandraTarget.ts';
import type { Migration, MigrationTarget } from './migration.ts';
import { loadMigrations, migrate, MigrationError } from './migration.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

/** A target that keeps its ledger in memory: enough to check the ordering and ledger rules. */
function memoryTarget(): MigrationTarget & { ledger: Map<string, string>; log: string[] } {
  const ledger = new Map<string, string>();
  const log: string[] = [];
  return {
    engine: 'memory',
    ledger,
    log,
    applied: async () => new Map(ledger),
    apply: async (m: Migration) => {
      if (m.body.includes('FAIL')) throw new Error('syntax error');
      log.push(m.id);
      ledger.set(m.id, m.checksum);
    },
  };
}

describe('loadMigrations', () => {
  it('orders migrations by their number and checksums their bodies', () => {
    const dir = folder({ '0002_b.sql': 'two', '0001_a.sql': 'one' });
    const migrations = loadMigrations(dir, 'sql');
    expect(migrations.map((m) => m.id)).toEqual(['0001_a', '0002_b']);
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0]?.checksum).not.toEqual(migrations[1]?.checksum);
  });

  it('rejects badly named files, wrong extensions and duplicate numbers', () => {
    expect(() => loadMigrations(folder({ 'create users.sql': '' }), 'sql')).toThrow(/NNNN_lower_snake/);
    expect(() => loadMigrations(folder({ '0001_a.cql': '' }), 'sql')).toThrow(/expected a \.sql file/);
    expect(() => loadMigrations(folder({ '0001_a.sql': '', '0001_b.sql': '' }), 'sql')).toThrow(
      /share the number 0001/,
    );
  });

  it('treats a missing folder as no migrations', () => {
    expect(loadMigrations(join(tmpdir(), 'does-not-exist-' + Date.now()), 'sql')).toEqual([]);
  });
});

describe('migrate', () => {
  it('applies pending migrations once, in order, and nothing on a second run', async () => {
    const target = memoryTarget();
    const migrations = loadMigrations(folder({ '0001_a.sql': 'one', '0002_b.sql': 'two' }), 'sql');
    expect(await migrate(target, migrations)).toEqual(['0001_a', '0002_b']);
    expect(await migrate(target, migrations)).toEqual([]);
    expect(target.log).toEqual(['0001_a', '0002_b']);
  });

  it('applies only the new migration when one is added', async () => {
    const target = memoryTarget();
    await migrate(target, loadMigrations(folder({ '0001_a.sql': 'one' }), 'sql'));
    expect(await migrate(target, loadMigrations(folder({ '0001_a.sql': 'one', '0002_b.sql': 'two' }), 'sql'))).toEqual([
      '0002_b',
    ]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const target = memoryTarget();
    await migrate(target, loadMigrations(folder({ '0001_a.sql': 'one' }), 'sql'));
    await expect(migrate(target, loadMigrations(folder({ '0001_a.sql': 'changed' }), 'sql'))).rejects.toThrow(
      /0001_a was changed after it was applied/,
    );
  });

  it('stops at a failing migration and names it, leaving later ones unapplied', async () => {
    const target = memoryTarget();
    const migrations = loadMigrations(folder({ '0001_a.sql': 'one', '0002_b.sql': 'FAIL', '0003_c.sql': 'x' }), 'sql');
    const error = await migrate(target, migrations).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/0002_b failed: syntax error/);
    expect([...target.ledger.keys()]).toEqual(['0001_a']);
  });
});

describe('splitCql', () => {
  it('splits on semicolons outside quotes and drops comments', () => {
    const script = [
      '-- a comment; with a semicolon',
      'CREATE TABLE t (id text PRIMARY KEY, note text); // trailing',
      "INSERT INTO t (id, note) VALUES ('a;b', 'it''s');",
      '',
    ].join('\n');
    expect(splitCql(script)).toEqual([
      'CREATE TABLE t (id text PRIMARY KEY, note text)',
      "INSERT INTO t (id, note) VALUES ('a;b', 'it''s')",
    ]);
  });
});
