import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { credentialsEnv, readCredentials, stackDirFromEnv } from './credentials.ts';
import { repoRoot } from './layout.ts';

/** One deployable of the workspace, as `npm start` and the e2e tests run it: its own process. */
export interface ServiceDefinition {
  readonly name: string;
  /** Entry point, relative to the repository root. */
  readonly entry: string;
  /** The service's port: its API (GraphQL); for writers and projectors, which have none, its ops port. */
  readonly portEnv: string;
  readonly port: number;
  /** The operations port: /health/live, /health/ready, /metrics (the same as `port` when there is no API). */
  readonly opsPortEnv: string;
  readonly opsPort: number;
  /** Node/V8 flags the service is deployed with (docker-compose.yml repeats them, the Kubernetes manifests take them). */
  readonly nodeOptions?: readonly string[];
}

/**
 * V8's young generation, sized once at start: both semi-spaces `semiSpaceMb` each, from the first
 * minute (min = max). Left to itself V8 starts a semi-space at 1 MB and doubles it each time the
 * bytes that survived scavenges since the last doubling exceed it, up to 16 MB on 64-bit: under a
 * steady load that is a step at intervals that double, and RSS steps up with it long after start
 * while the used heap stays flat (the 30-minute soak: the users subgraph at minutes 8 and 16,
 * 123 → 140 MB, read as a leak). Fixed, a service's memory is what it is after warm-up, the same in
 * every deployment (V8 derives its own ceiling from the machine's memory), and pages of it are only
 * resident once used.
 */
function youngGeneration(semiSpaceMb: number): readonly string[] {
  return [`--min-semi-space-size=${semiSpaceMb}`, `--max-semi-space-size=${semiSpaceMb}`];
}

/**
 * 16 MB: the size V8 grows a busy service's semi-space to on 64-bit anyway (so the steady state is
 * unchanged), reached at start instead of after a quarter of an hour.
 */
const SERVICE_YOUNG_GENERATION = youngGeneration(16);

/** A subgraph: GraphQL on `port`, its operations endpoints 10 above. */
function subgraph(name: string, port: number): ServiceDefinition {
  const env = `${name.toUpperCase()}_SUBGRAPH`;
  return {
    name,
    entry: `subgraphs/${name}/src/main.ts`,
    portEnv: `${env}_PORT`,
    port,
    opsPortEnv: `${env}_OPS_PORT`,
    opsPort: port + 10,
    nodeOptions: SERVICE_YOUNG_GENERATION,
  };
}

/** Start order: what consumes Kafka first, then the subgraphs, the gateway last. */
export const services: readonly ServiceDefinition[] = [
  {
    name: 'writers',
    entry: 'writers/src/main.ts',
    portEnv: 'WRITERS_PORT',
    port: 4100,
    opsPortEnv: 'WRITERS_PORT',
    opsPort: 4100,
    nodeOptions: SERVICE_YOUNG_GENERATION,
  },
  {
    name: 'projectors',
    entry: 'projectors/src/main.ts',
    portEnv: 'PROJECTORS_PORT',
    port: 4200,
    opsPortEnv: 'PROJECTORS_PORT',
    opsPort: 4200,
    nodeOptions: SERVICE_YOUNG_GENERATION,
  },
  subgraph('users', 4001),
  subgraph('posts', 4002),
  subgraph('collections', 4003),
  subgraph('search', 4004),
  subgraph('insights', 4005),
  {
    name: 'gateway',
    entry: 'gateway/src/main.ts',
    portEnv: 'GATEWAY_PORT',
    port: 4000,
    opsPortEnv: 'GATEWAY_OPS_PORT',
    opsPort: 4010,
    // Each request holds a few hundred KB of short-lived subgraph answers and response objects:
    // a young generation of 64 MB per semi-space lets them die before a scavenge copies them
    // (a CPU profile under load at 20 connections: GC 21 % of the gateway's CPU with Node's
    // default, 6 % with this; `npm run bench -- gateway` at 50 connections: 15-26 %, from 28-70 %).
    // Fixed from the start like every service's (youngGeneration: why).
    nodeOptions: youngGeneration(64),
  },
];

/**
 * How a service runs from its image, as docker-compose.yml and the Kubernetes manifests start it:
 * its Node flags, then its bundle.
 */
export function deployedCommand(service: ServiceDefinition): string[] {
  return ['node', ...(service.nodeOptions ?? []), `dist/${service.name}/main.mjs`];
}

/** Whether a service has an API port besides its operations port. */
export function hasApi(service: ServiceDefinition): boolean {
  return service.opsPort !== service.port;
}

export interface RunningService {
  readonly definition: ServiceDefinition;
  readonly port: number;
  readonly child: ChildProcess;
  readonly url: string;
  /** Its operations endpoints: /health/live, /health/ready, /metrics. */
  readonly opsUrl: string;
}

export interface StartServicesOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Port for each service; the defaults above otherwise. */
  readonly ports?: Partial<Record<string, number>>;
  /** Ops port for each service; otherwise at the default distance from its port (10 above, or the same). */
  readonly opsPorts?: Partial<Record<string, number>>;
  /** Where each line a service prints goes; prefixed with the service name by default. */
  readonly output?: (service: string, line: string) => void;
  readonly only?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Runs each service from its built bundle, `dist/<name>/main.mjs` (`npm run build`), as deployed. */
  readonly fromBundle?: boolean;
}

/** The command line that runs a service: its bundle as deployed, or its sources through tsx. */
function commandOf(definition: ServiceDefinition, fromBundle: boolean): string[] {
  return [
    ...(definition.nodeOptions ?? []),
    ...(fromBundle
      ? [join(repoRoot, 'dist', definition.name, 'main.mjs')]
      : ['--import', 'tsx', join(repoRoot, definition.entry)]),
  ];
}

/** Starts each service as a child process and waits until its ops port answers /health/ready. */
export async function startServices(options: StartServicesOptions = {}): Promise<RunningService[]> {
  const chosen = services.filter((s) => (options.only ? options.only.includes(s.name) : true));
  const portOf = (s: ServiceDefinition) => options.ports?.[s.name] ?? s.port;
  const opsPortOf = (s: ServiceDefinition) => options.opsPorts?.[s.name] ?? portOf(s) + (s.opsPort - s.port);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const s of services) {
    env[s.portEnv] = String(portOf(s));
    env[s.opsPortEnv] = String(opsPortOf(s));
    env[`${s.name.toUpperCase()}_SUBGRAPH_URL`] ??= `http://127.0.0.1:${portOf(s)}/graphql`;
  }
  // A service left running (another `npm start`, an interrupted bench) would answer the
  // readiness probe in place of the new one, which dies on EADDRINUSE: say so instead.
  const ports = chosen.flatMap((s) => [...new Set([portOf(s), opsPortOf(s)])].map((port) => ({ s, port })));
  const taken = (await Promise.all(ports.map(async (p) => ((await portFree(p.port)) ? [] : [p])))).flat();
  if (taken.length > 0) {
    throw new Error(
      `port ${taken.map(({ s, port }) => `${port} (${s.name})`).join(', ')} already in use: ` +
        'is another verograph running? Stop it first.',
    );
  }
  // Each service signs in to the engines as its own principal (see README, Security model).
  const credentials = readCredentials(stackDirFromEnv(env));
  const running: RunningService[] = [];
  // The last lines each service printed: a service that dies while starting says why in the error.
  const lastLines = new Map<RunningService, string[]>();
  for (const definition of chosen) {
    const args = commandOf(definition, options.fromBundle ?? false);
    const entry = args.at(-1)!;
    if (!existsSync(entry)) {
      throw new Error(`${definition.name}: ${entry} does not exist${options.fromBundle ? ' (npm run build)' : ''}`);
    }
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: {
        ...env,
        ...credentialsEnv(credentials, definition.name),
        // A stable identity per instance: a restart on the same port replaces its dead self in
        // its consumer groups at once (packages/messaging/src/predecessors.ts).
        INSTANCE_ID: `${definition.name}-${portOf(definition)}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = options.output ?? ((name, line) => process.stdout.write(`${name.padEnd(12)}| ${line}\n`));
    const tail: string[] = [];
    const print = (name: string, line: string) => {
      tail.push(line);
      if (tail.length > STARTUP_TAIL_LINES) tail.shift();
      output(name, line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) print(definition.name, line);
      });
    }
    const service: RunningService = {
      definition,
      port: portOf(definition),
      child,
      url: `http://127.0.0.1:${portOf(definition)}`,
      opsUrl: `http://127.0.0.1:${opsPortOf(definition)}`,
    };
    running.push(service);
    lastLines.set(service, tail);
  }
  try {
    await Promise.all(running.map((r) => waitReady(r, options.readyTimeoutMs ?? 60_000, lastLines.get(r) ?? [])));
  } catch (error) {
    await stopServices(running);
    throw error;
  }
  return running;
}

/** Whether a service could listen on the port (on the loopback address the services use). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const STARTUP_TAIL_LINES = 20;

async function waitReady(service: RunningService, timeoutMs: number, tail: readonly string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      // Let the pipes drain: the last line is usually the reason.
      await sleep(200);
      throw new Error(
        `${service.definition.name} exited with code ${service.child.exitCode} during start-up; its last lines:\n` +
          tail.join('\n'),
      );
    }
    try {
      const response = await fetch(`${service.opsUrl}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    // Often enough that a restart → ready measured through this (resilience/serviceKills, bench
    // ready) is the service's, not the poll's: a refused connection costs next to nothing.
    await sleep(20);
  }
  throw new Error(
    `${service.definition.name} was not ready within ${timeoutMs / 1000}s (${service.opsUrl}/health/ready)`,
  );
}

/** SIGTERM to each service (they shut down gracefully), SIGKILL after the grace period. */
export async function stopServices(running: readonly RunningService[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    [...running].reverse().map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
