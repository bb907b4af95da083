import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One versioned schema change: `NNNN_what_it_does.ext` in an engine's migrations folder. */
export interface Migration {
  /** The file name without extension, e.g. `0001_users`; its number fixes the order. */
  readonly id: string;
  readonly file: string;
  readonly body: string;
  /** sha256 of the body: an applied migration must never be edited, only followed by a new one. */
  readonly checksum: string;
}

/**
 * Where migrations are applied and remembered. `apply` must record the migration together
 * with its effect (in one transaction where the engine has them) and be safe to repeat
 * after a crash between the two (statements written with IF NOT EXISTS and the like).
 */
export interface MigrationTarget {
  readonly engine: string;
  applied(): Promise<ReadonlyMap<string, string>>;
  apply(migration: Migration): Promise<void>;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const FILE_NAME = /^(\d{4}_[a-z0-9_]+)\.(sql|cql|json)$/;

export function loadMigrations(dir: string, extension: 'sql' | 'cql' | 'json'): Migration[] {
  if (!existsSync(dir)) return [];
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(`${join(dir, file)}: migration files are named NNNN_lower_snake.${extension}`);
    }
    if (match[2] !== extension) throw new MigrationError(`${join(dir, file)}: expected a .${extension} file here`);
    const body = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      id: match[1]!,
      file: join(dir, file),
      body,
      checksum: createHash('sha256').update(body).digest('hex'),
    });
  }
  const numbers = migrations.map((m) => m.id.slice(0, 4));
  const duplicate = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (duplicate) throw new MigrationError(`${dir}: two migrations share the number ${duplicate}`);
  return migrations;
}

/** Applies, in order, the migrations the target has not recorded yet. Returns the ids applied. */
export async function migrate(target: MigrationTarget, migrations: readonly Migration[]): Promise<string[]> {
  const applied = await target.applied();
  for (const [id, checksum] of applied) {
    const local = migrations.find((m) => m.id === id);
    if (local && local.checksum !== checksum) {
      throw new MigrationError(
        `${target.engine}: migration ${id} was changed after it was applied. ` +
          'Restore it and add a new migration with the change instead (or `npm run stack -- reset` to start over locally).',
      );
    }
  }
  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    try {
      await target.apply(migration);
    } catch (error) {
      throw new MigrationError(
        `${target.engine}: migration ${migration.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    done.push(migration.id);
  }
  return done;
}
