/**
 * `npm run stack -- up | down | status | logs ENGINE [-f] | reset | ensure | migrate [ENGINE…]`
 *
 * Runs the real engines as local processes (no Docker) and applies their migrations.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { writeComposeEnvFiles } from './composeEnv.ts';
import { ensureCredentials } from './credentials.ts';
import type { EngineContext, EngineDefinition } from './engine.ts';
import { engineNamed, engines } from './engines.ts';
import { stackLayout } from './layout.ts';
import type { MigrationEndpoints } from './migrations/runMigrations.ts';
import { migrationSettings, runMigrations } from './migrations/runMigrations.ts';
import { services } from './services.ts';
import { createStack, type Stack } from './stack.ts';

const USAGE = `usage: npm run stack -- <command> [engine…]

  up [engine…]        start engines (all by default) and apply migrations; idempotent
  ensure [engine…]    like up, but quiet when everything already serves
  down [engine…]      stop what up started (by pid)
  status [engine…]    each engine's version, address, health, pid and memory
  logs ENGINE [-f]    print (or follow) an engine's log
  reset               stop everything and delete all data and logs (keeps resolved jars)
  migrate             make the engines' principals and apply pending migrations to running engines
  credentials         generate the stack's credentials if needed and write docker compose's env files

engines: ${engines.map((e) => e.name).join(', ')}`;

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const layout = stackLayout();
  const stack = createStack({ layout, engines });
  const selected: EngineDefinition[] = rest.filter((a) => !a.startsWith('-')).map(engineNamed);
  const chosen = selected.length > 0 ? selected : engines;

  switch (command) {
    case 'up':
    case 'ensure': {
      const quiet = command === 'ensure';
      // The engines first, migrated; then what runs on them (the insights job).
      const engineFirst = chosen.filter((e) => !e.startsAfterMigrations);
      const reports = await stack.up(engineFirst);
      await migrateAll(stack, engineFirst, quiet);
      reports.push(...(await stack.up(chosen.filter((e) => e.startsAfterMigrations))));
      for (const r of reports) {
        if (r.outcome === 'already-running') {
          if (!quiet) console.log(`${r.name.padEnd(14)} already running          memory ${mb(r.rssBytes)}`);
        } else {
          console.log(
            `${r.name.padEnd(14)} started in ${seconds(r.startMs ?? 0).padStart(7)} ` +
              `(prepare ${seconds(r.prepareMs ?? 0)})   memory ${mb(r.rssBytes)}`,
          );
        }
      }
      if (!quiet) await printStatus(stack);
      return 0;
    }
    case 'migrate':
      await migrateAll(stack, chosen, false, true);
      return 0;
    case 'credentials': {
      const credentials = ensureCredentials(layout.stackDir);
      const files = writeComposeEnvFiles(
        layout.stackDir,
        credentials,
        // The insights job runs like an engine but signs in like a service: its own principal.
        [...services.map((s) => s.name), 'insights-job'],
      );
      console.log(
        `credentials in ${layout.stackDir}/credentials.json; docker compose env files:\n  ${files.join('\n  ')}`,
      );
      return 0;
    }
    case 'down': {
      for (const r of await stack.down(chosen)) console.log(`${r.name.padEnd(14)} ${r.outcome}`);
      return 0;
    }
    case 'status':
      return (await printStatus(stack, chosen)) ? 0 : 1;
    case 'logs': {
      const engine = selected[0];
      if (!engine) throw new Error('which engine? npm run stack -- logs kafka');
      const file = layout.logFile(engine.name);
      if (!existsSync(file))
        throw new Error(`${engine.name} has no log yet (${file}); start it with npm run stack -- up`);
      const follow = rest.includes('-f') || rest.includes('--follow');
      const child = spawn('tail', follow ? ['-n', '100', '-F', file] : ['-n', '200', file], { stdio: 'inherit' });
      return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
    }
    case 'reset':
      await stack.reset();
      console.log(`stopped every engine and deleted ${layout.stackDir}/{data,logs,run}; resolved jars are kept`);
      return 0;
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

async function migrateAll(
  stack: Stack,
  chosen: readonly EngineDefinition[],
  quiet: boolean,
  principals = false,
): Promise<void> {
  const endpoints: Record<string, { host: string; port: number }> = {};
  for (const engine of chosen) {
    const ctx = stack.context(engine);
    // In docker compose each engine is its own host: KAFKA_HOST=kafka and so on.
    const host = process.env[`${engine.name.toUpperCase()}_HOST`] ?? ctx.host;
    endpoints[engine.name] = { host, port: ctx.port };
    // `up` made them already; `migrate` alone (docker compose, a Kubernetes Job) makes them here.
    if (principals) await engine.ensurePrincipals?.(Object.create(ctx, { host: { value: host } }) as EngineContext);
  }
  const report = await runMigrations(endpoints as MigrationEndpoints, migrationSettings());
  for (const [engine, changes] of Object.entries(report)) {
    if (changes.length > 0) console.log(`${engine.padEnd(14)} migrations: ${changes.join(', ')}`);
    else if (!quiet) console.log(`${engine.padEnd(14)} migrations: up to date`);
  }
}

async function printStatus(stack: Stack, chosen?: readonly EngineDefinition[]): Promise<boolean> {
  const rows = await stack.status(chosen);
  console.log(
    `\n${'ENGINE'.padEnd(14)}${'VERSION'.padEnd(10)}${'STATE'.padEnd(11)}${'PID'.padEnd(9)}${'MEMORY'.padEnd(10)}ADDRESS`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(14)}${r.version.padEnd(10)}${r.state.padEnd(11)}${String(r.pid ?? '-').padEnd(9)}` +
        `${(r.rssBytes === undefined ? '-' : mb(r.rssBytes)).padEnd(10)}${r.address}`,
    );
  }
  return rows.every((r) => r.state === 'healthy');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stack: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
