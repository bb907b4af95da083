import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import pg from 'pg';

import type { Credential } from '../../src/credentials.ts';
import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';

/** The major version we run: Debian 12's `postgresql` package, and the `postgres:15` image. */
const MAJOR = '15';

/** A client of the stack's cluster signed in as one of its principals. */
function connectAs(ctx: EngineContext, credential: Credential, database: string): pg.Client {
  const client = new pg.Client({
    host: ctx.host,
    port: ctx.port,
    user: credential.username,
    password: credential.password,
    database,
    connectionTimeoutMillis: 1_000,
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * PostgreSQL from Debian's packages, run as the stack's own cluster under the stack's data
 * folder on its own port and socket folder, so a server already on the machine is never
 * touched. PostgreSQL refuses to run as root, so as root the cluster belongs to the
 * `postgres` system user that the Debian package creates.
 */
export const postgres: EngineDefinition = {
  name: 'postgres',
  version: MAJOR,
  portEnv: 'POSTGRES_PORT',
  defaultPort: 5432,
  extraPorts: {},
  jvm: false,
  heap: '256m shared_buffers',
  startTimeoutMs: 60_000,
  address: (ctx) => `postgres://${ctx.host}:${ctx.port}/verograph (password sign-in)`,

  async prepare(ctx) {
    const bin = binDir();
    const owner = runAs();
    // Only the cluster folder is private: the postgres user must be able to reach it through its parents.
    mkdirSync(dirname(ctx.dataDir), { recursive: true });
    mkdirSync(ctx.dataDir, { recursive: true, mode: 0o700 });
    mkdirSync(socketDir(ctx), { recursive: true });
    if (owner) {
      chownSync(ctx.dataDir, owner.uid, owner.gid);
      chownSync(socketDir(ctx), owner.uid, owner.gid);
    }
    if (owner) assertReachable(ctx.dataDir);
    if (existsSync(join(ctx.dataDir, 'PG_VERSION'))) {
      if (/^\s*(local|host)\b.*\btrust\s*$/m.test(readFileSync(join(ctx.dataDir, 'pg_hba.conf'), 'utf8'))) {
        throw new Error(
          `${ctx.dataDir} was initialised before PostgreSQL required passwords (its pg_hba.conf trusts clients). ` +
            'Start again from empty engines: npm run stack -- reset && npm run stack -- up',
        );
      }
      return;
    }
    ctx.log(`initialising a new cluster in ${ctx.dataDir}`);
    // The bootstrap superuser is the stack's admin (migrations, tooling, tests), with its
    // generated password; every connection, local socket included, signs in with SCRAM.
    const admin = ctx.credentials.postgres.admin;
    const pwfile = join(ctx.dataDir, '..', 'postgres-admin.pw');
    writeFileSync(pwfile, `${admin.password}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    const initdb = [
      join(bin, 'initdb'),
      '-D',
      ctx.dataDir,
      '-U',
      admin.username,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
    ];
    try {
      execFileSync(owner ? 'setpriv' : initdb[0]!, owner ? [...asUser(), ...initdb] : initdb.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as { stderr?: Buffer };
      throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(error)}`, { cause: error });
    } finally {
      rmSync(pwfile, { force: true });
    }
    // initdb's pg_hba.conf covers the loopback addresses; a stack listening wider (STACK_HOST)
    // asks the same password of everyone.
    appendFileSync(join(ctx.dataDir, 'pg_hba.conf'), 'host all all all scram-sha-256\n');
    // Settings live in the cluster's own file, so `postgres` runs with the same ones however it is started.
    writeFileSync(
      join(ctx.dataDir, 'postgresql.auto.conf'),
      [
        'shared_buffers = 256MB',
        'max_connections = 200',
        'logging_collector = off',
        "log_destination = 'stderr'",
        'log_min_messages = warning',
        'fsync = on',
        'synchronous_commit = on',
        '',
      ].join('\n'),
    );
    if (owner) chownSync(join(ctx.dataDir, 'postgresql.auto.conf'), owner.uid, owner.gid);
  },

  process(ctx): ProcessSpec {
    const server = [
      join(binDir(), 'postgres'),
      '-D',
      ctx.dataDir,
      '-p',
      String(ctx.port),
      '-c',
      `listen_addresses=${ctx.host}`,
      '-c',
      `unix_socket_directories=${socketDir(ctx)}`,
    ];
    // setpriv execs in place, so the recorded pid is the postmaster's own.
    return runAs()
      ? { command: 'setpriv', args: [...asUser(), ...server] }
      : { command: server[0]!, args: server.slice(1) };
  },

  async healthy(ctx) {
    const client = connectAs(ctx, ctx.credentials.postgres.admin, 'postgres');
    try {
      await client.connect();
      const result = await client.query<{ ok: number }>('SELECT 1 AS ok');
      return result.rows[0]?.ok === 1;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  async ensurePrincipals(ctx) {
    const client = connectAs(ctx, ctx.credentials.postgres.admin, 'postgres');
    await client.connect();
    try {
      for (const [principal, credential] of Object.entries(ctx.credentials.postgres)) {
        if (principal === 'admin') continue;
        const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credential.username]);
        if (exists.rowCount) {
          // The credentials file is the truth (see the Cassandra engine): re-sync a drifted password.
          await client.query(
            `ALTER ROLE ${pg.escapeIdentifier(credential.username)} PASSWORD ${pg.escapeLiteral(credential.password)}`,
          );
          continue;
        }
        // No superuser, no role or database creation: migrations grant it the tables it may use.
        await client.query(
          `CREATE ROLE ${pg.escapeIdentifier(credential.username)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE ` +
            `PASSWORD ${pg.escapeLiteral(credential.password)}`,
        );
        ctx.log(`created role ${credential.username}`);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};

/** As root the cluster runs as `postgres`, which needs to traverse every parent folder. */
function assertReachable(dir: string): void {
  const probe = spawnSync('setpriv', [...asUser(), 'test', '-x', dir]);
  if (probe.status !== 0) {
    throw new Error(
      `the postgres user cannot reach ${dir}. Let it traverse the parent folders (chmod o+x on each) ` +
        'or point STACK_DIR somewhere it can.',
    );
  }
}

function socketDir(ctx: EngineContext): string {
  return join(ctx.dataDir, '..', 'postgres-socket');
}

function binDir(): string {
  const preferred = `/usr/lib/postgresql/${MAJOR}/bin`;
  if (existsSync(join(preferred, 'postgres'))) return preferred;
  const root = '/usr/lib/postgresql';
  const found = existsSync(root) ? readdirSync(root).sort().reverse()[0] : undefined;
  if (found && existsSync(join(root, found, 'bin', 'postgres'))) return join(root, found, 'bin');
  throw new Error('PostgreSQL is not installed. Install it from Debian: apt-get install -y postgresql');
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('Running as root needs the `postgres` system user, which apt-get install postgresql creates.');
  }
}

function asUser(): string[] {
  return ['--reuid=postgres', '--regid=postgres', '--init-groups', '--'];
}
