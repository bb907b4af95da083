import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { ensureCredentials, type StackCredentials } from './credentials.ts';
import type { EngineContext, EngineDefinition } from './engine.ts';
import { findJava17 } from './java.ts';
import type { StackLayout } from './layout.ts';
import { repoRoot } from './layout.ts';
import { portFromEnv, portIsFree } from './ports.ts';
import {
  groupMembers,
  groupRssBytes,
  isRunning,
  readPidRecord,
  removePidRecord,
  startDetached,
  stopGroup,
  writePidRecord,
} from './processes.ts';

export interface EngineStatus {
  readonly name: string;
  readonly version: string;
  readonly address: string;
  readonly state: 'healthy' | 'unhealthy' | 'stopped';
  readonly pid?: number;
  readonly rssBytes?: number;
}

export interface StartReport {
  readonly name: string;
  readonly outcome: 'started' | 'already-running';
  /** Milliseconds from spawning the process to its first healthy answer. */
  readonly startMs?: number;
  readonly prepareMs?: number;
  readonly rssBytes: number;
}

export interface StackOptions {
  readonly layout: StackLayout;
  readonly engines: readonly EngineDefinition[];
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (message: string) => void;
}

/** A stack error the CLI prints as is: it already says what went wrong and what to do. */
export class StackError extends Error {
  override readonly name = 'StackError';
}

/** Life cycle of the local engines: the one place that knows about pids, ports, health and timing. */
export function createStack(options: StackOptions) {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => console.log(m));
  const host = env.STACK_HOST ?? '127.0.0.1';
  let java: string | undefined;
  let credentials: StackCredentials | undefined;

  function context(engine: EngineDefinition): EngineContext {
    const extraPorts: Record<string, number> = {};
    for (const [key, [envName, port]] of Object.entries(engine.extraPorts)) {
      extraPorts[key] = portFromEnv(env, envName, port);
    }
    return {
      root: repoRoot,
      dataDir: options.layout.dataDir(engine.name),
      logDir: options.layout.logDir,
      cacheDir: options.layout.cacheDir(engine.name),
      host,
      port: portFromEnv(env, engine.portEnv, engine.defaultPort),
      extraPorts,
      // Looked up on first use: `status` and `migrate` never need a JVM.
      get credentials() {
        return (credentials ??= ensureCredentials(options.layout.stackDir));
      },
      get java() {
        return (java ??= findJava17(env));
      },
      log: (message) => log(`[${engine.name}] ${message}`),
    };
  }

  async function upOne(engine: EngineDefinition): Promise<StartReport> {
    const ctx = context(engine);
    const pidFile = options.layout.pidFile(engine.name);
    const record = readPidRecord(pidFile);
    if (record && isRunning(record)) {
      await waitHealthy(engine, ctx, record.pid);
      await engine.ensurePrincipals?.(ctx);
      return { name: engine.name, outcome: 'already-running', rssBytes: groupRssBytes(record.pid) };
    }
    if (record) removePidRecord(pidFile);

    const ports: Array<[string, number]> = [
      [engine.portEnv, ctx.port],
      ...Object.entries(engine.extraPorts).map(([key, [envName]]): [string, number] => [envName, ctx.extraPorts[key]!]),
    ];
    for (const [envName, port] of ports) {
      if (!(await portIsFree(ctx.host, port))) {
        throw new StackError(
          `${engine.name}: port ${port} on ${ctx.host} is taken by another process. ` +
            `Stop that process, or choose another port: ${envName}=<port> npm run stack -- up`,
        );
      }
    }

    const prepareStarted = performance.now();
    await engine.prepare(ctx);
    const prepareMs = performance.now() - prepareStarted;

    const started = performance.now();
    const proc = startDetached(engine.process(ctx), options.layout.logFile(engine.name));
    writePidRecord(pidFile, {
      pid: proc.pid,
      startTicks: proc.startTicks,
      version: engine.version,
      address: engine.address(ctx),
      startedAt: new Date().toISOString(),
    });
    await waitHealthy(engine, ctx, proc.pid);
    const startMs = performance.now() - started;
    await engine.ensurePrincipals?.(ctx);
    return { name: engine.name, outcome: 'started', startMs, prepareMs, rssBytes: groupRssBytes(proc.pid) };
  }

  async function waitHealthy(engine: EngineDefinition, ctx: EngineContext, pid: number): Promise<void> {
    const deadline = Date.now() + engine.startTimeoutMs;
    while (Date.now() < deadline) {
      if (await engine.healthy(ctx)) return;
      if (groupMembers(pid).length === 0) {
        throw new StackError(
          `${engine.name} exited during start-up. Last lines of ${options.layout.logFile(engine.name)}:\n` +
            tail(options.layout.logFile(engine.name), 30),
        );
      }
      await sleep(500);
    }
    throw new StackError(
      `${engine.name} did not become healthy within ${engine.startTimeoutMs / 1000}s; it is still running. ` +
        `See npm run stack -- logs ${engine.name}`,
    );
  }

  return {
    /** Starts the named engines (all by default) in parallel; idempotent. */
    async up(selected: readonly EngineDefinition[] = options.engines): Promise<StartReport[]> {
      const results = await Promise.allSettled(selected.map((engine) => upOne(engine)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failures.length > 0) {
        throw new StackError(failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n\n'));
      }
      return results.map((r) => (r as PromiseFulfilledResult<StartReport>).value);
    },

    /** Stops only the processes that `up` started (by recorded pid), newest engines first. */
    async down(
      selected: readonly EngineDefinition[] = options.engines,
    ): Promise<Array<{ name: string; outcome: string }>> {
      return Promise.all(
        [...selected].reverse().map(async (engine) => {
          const pidFile = options.layout.pidFile(engine.name);
          const record = readPidRecord(pidFile);
          if (!record) return { name: engine.name, outcome: 'not-running' };
          const outcome = await stopGroup(record, 30_000);
          removePidRecord(pidFile);
          return { name: engine.name, outcome };
        }),
      );
    },

    async status(selected: readonly EngineDefinition[] = options.engines): Promise<EngineStatus[]> {
      return Promise.all(
        selected.map(async (engine): Promise<EngineStatus> => {
          const ctx = context(engine);
          const record = readPidRecord(options.layout.pidFile(engine.name));
          const base = { name: engine.name, version: engine.version, address: engine.address(ctx) };
          if (!record || !isRunning(record)) {
            // An engine someone else started on the same address still counts as serving.
            return { ...base, state: (await engine.healthy(ctx)) ? 'healthy' : 'stopped' };
          }
          const healthy = await engine.healthy(ctx);
          return {
            ...base,
            state: healthy ? 'healthy' : 'unhealthy',
            pid: record.pid,
            rssBytes: groupRssBytes(record.pid),
          };
        }),
      );
    },

    /** Stops everything, then deletes data, logs and run state; resolved jars are kept. */
    async reset(): Promise<void> {
      await this.down();
      for (const engine of options.engines)
        rmSync(options.layout.dataDir(engine.name), { recursive: true, force: true });
      rmSync(`${options.layout.stackDir}/data`, { recursive: true, force: true });
      rmSync(options.layout.logDir, { recursive: true, force: true });
      rmSync(options.layout.runDir, { recursive: true, force: true });
    },

    context,
  };
}

export type Stack = ReturnType<typeof createStack>;

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}
