import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { credentialsFile, repoRoot, stackDirFromEnv } from '@verograph/stack';

import { onAbnormalExit } from './cleanups.ts';
import { freePorts } from './ports.ts';

const run = promisify(execFile);

export type PrivateEngine = 'kafka' | 'cassandra' | 'elasticsearch' | 'postgres';

/** The stack CLI's variables for an engine's ports, the client port first. */
const PORT_VARIABLES: Record<PrivateEngine, readonly [client: string, ...others: string[]]> = {
  kafka: ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT'],
  cassandra: ['CASSANDRA_PORT', 'CASSANDRA_STORAGE_PORT'],
  elasticsearch: ['ELASTICSEARCH_PORT', 'ELASTICSEARCH_TRANSPORT_PORT'],
  postgres: ['POSTGRES_PORT'],
};

/**
 * Engines of one test run only: their own STACK_DIR under the system temp folder and their own
 * ports, started and stopped with the project's stack CLI (`stack/src/cli.ts`). A test stops
 * these, never the shared engines other developers are using; and since the shared ones may be
 * restarted under it (by a developer, or a CI run taking the default ports), a test that must
 * count every command runs on private engines only.
 */
export interface PrivateStack {
  readonly dir: string;
  /** Where the services find the private engines: KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, ELASTICSEARCH_URL, POSTGRES_URL. */
  readonly addresses: Readonly<Record<string, string>>;
  /**
   * Starts engines (in parallel) and applies their migrations, as `npm run stack -- up ENGINE…`
   * does; waits one more start-up period for an engine that runs but is not healthy yet.
   */
  up(...engines: PrivateEngine[]): Promise<string>;
  /** Stops an engine as `npm run stack -- down ENGINE` does: SIGTERM, SIGKILL after 30 s. */
  down(engine: PrivateEngine): Promise<string>;
  /** Runs the stack CLI on this stack, with extra variables (e.g. a keyspace for `migrate`). */
  cli(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>;
  /** Stops every private engine and deletes the folder; safe to call after a failure, and twice. */
  destroy(): Promise<void>;
}

export async function createPrivateStack(engines: readonly PrivateEngine[]): Promise<PrivateStack> {
  const dir = mkdtempSync(join(tmpdir(), 'resilience-stack-'));
  // As root, engines that drop privileges must still reach their folders.
  chmodSync(dir, 0o755);
  // Resolved classpaths from the shared stack (STACK_DIR when it lives elsewhere, as in a
  // worktree), so the private one does not run Maven again.
  const sharedCache = join(process.env.STACK_DIR ?? join(repoRoot, '.stack'), 'cache');
  if (existsSync(sharedCache)) cpSync(sharedCache, join(dir, 'cache'), { recursive: true });
  // The credentials of the stack the test signs in to (its admin is in the environment), so the
  // test's own clients sign in to the private engines too; the services get their own principals.
  const credentials = credentialsFile(stackDirFromEnv());
  if (existsSync(credentials)) cpSync(credentials, credentialsFile(dir));

  const env: Record<string, string> = { STACK_DIR: dir };
  const addresses: Record<string, string> = {};
  const ports = await freePorts(engines.reduce((n, engine) => n + PORT_VARIABLES[engine].length, 0));
  for (const engine of engines) {
    const variables = PORT_VARIABLES[engine];
    for (const variable of variables) env[variable] = String(ports.shift()!);
    const client = env[variables[0]]!;
    if (engine === 'kafka') addresses.KAFKA_BROKERS = `127.0.0.1:${client}`;
    if (engine === 'cassandra') addresses.CASSANDRA_CONTACT_POINTS = `127.0.0.1:${client}`;
    if (engine === 'elasticsearch') addresses.ELASTICSEARCH_URL = `http://127.0.0.1:${client}`;
    if (engine === 'postgres') addresses.POSTGRES_URL = `postgres://postgres@127.0.0.1:${client}/verograph`;
  }

  // Should the test process die without its afterAll, the engines must not outlive it.
  const unregister = onAbnormalExit(() => {
    killEngines(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (args: readonly string[], extra: Readonly<Record<string, string>> = {}) => {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env, ...extra },
        timeout: 240_000,
      });
      return stdout;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`stack ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  };

  let destroyed = false;
  return {
    dir,
    addresses,
    async up(...started) {
      try {
        return await cli(['up', ...started]);
      } catch (error) {
        // On a machine shared with other test runs a JVM engine can take longer than the
        // stack's start-up limit; it is left running, and `up` of a running engine waits for
        // its health again. Any other failure (exited, port taken) stands.
        if (!String(error).includes('did not become healthy')) throw error;
        console.warn(`resilience: ${started.join(', ')} slow to start; waiting once more`);
        return cli(['up', ...started]);
      }
    },
    down: (engine) => cli(['down', engine]),
    cli,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await cli(['down', ...engines]).catch((error: unknown) => {
        console.error(`resilience: stopping the private engines failed; killing them: ${String(error)}`);
      });
      killEngines(dir);
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGKILL to the process group of every engine recorded in the stack's run folder whose command
 * line names the folder (so a reused pid is never hit). Synchronous: it runs on process exit.
 */
function killEngines(dir: string): void {
  const runDir = join(dir, 'run');
  if (!existsSync(runDir)) return;
  for (const file of readdirSync(runDir)) {
    try {
      const { pid } = JSON.parse(readFileSync(join(runDir, file), 'utf8')) as { pid: number };
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(dir)) process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone, or not ours.
    }
  }
}
