/**
 * The processes of `npm run bench -- gateway`: each gateway pinned to one core (taskset), the
 * in-memory subgraphs on the other core with the load generator, and a probe in every gateway
 * that reports its garbage-collection time on SIGUSR2.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '@verograph/stack';

export interface GatewayProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Total GC pause time so far, in ms, as the probe reports it. */
  gcMillis(): Promise<number>;
  stop(): Promise<void>;
}

/** The gateways' core and the load generator's; without two cores nothing is pinned. */
export const cores = cpus().length >= 2 ? { gateway: '0', load: '1' } : undefined;

/** Pins this process (the load generator) to its core. */
export function pinLoadGenerator(): void {
  if (cores) execFileSync('taskset', ['-cp', cores.load, String(process.pid)], { stdio: 'ignore' });
}

/** Starts a TypeScript entry on `core`, with the GC probe; resolves once it prints "ready at <url>". */
export async function startPinned(options: {
  name: string;
  entry: string;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  core: string | undefined;
  nodeOptions?: readonly string[];
  /** Ready when this URL answers (for a process that prints nothing when it is); else when it prints "ready at <url>". */
  readyUrl?: { readonly probe: string; readonly url: string };
}): Promise<GatewayProcess> {
  const node = [
    ...(options.nodeOptions ?? []),
    '--import',
    'tsx',
    '--import',
    join(repoRoot, 'bench/src/gatewayGcProbe.ts'),
    join(repoRoot, options.entry),
    ...(options.args ?? []),
  ];
  const child = options.core
    ? spawn('taskset', ['-c', options.core, process.execPath, ...node], {
        cwd: repoRoot,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, node, {
        cwd: repoRoot,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let output = '';
  let gcWaiters: ((ms: number) => void)[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      for (const match of text.matchAll(/gc-ms=([\d.]+)/g)) {
        const waiters = gcWaiters;
        gcWaiters = [];
        for (const waiter of waiters) waiter(Number(match[1]));
      }
      if (output.length < 100_000) output += text;
      const ready = /ready at (\S+)/.exec(output);
      if (ready && !options.readyUrl) resolve(ready[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code}:\n${output.slice(-3000)}`)));
    const poll = options.readyUrl;
    if (poll) {
      const attempt = () => {
        if (child.exitCode !== null) return;
        fetch(poll.probe).then(
          (response) => (response.ok ? resolve(poll.url) : setTimeout(attempt, 200)),
          () => setTimeout(attempt, 200),
        );
      };
      attempt();
    }
  });
  return {
    name: options.name,
    url,
    child,
    gcMillis: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.name} did not report its GC time`)), 5000);
        gcWaiters.push((ms) => {
          clearTimeout(timer);
          resolve(ms);
        });
        child.kill('SIGUSR2');
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
