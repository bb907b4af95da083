import { writeFileSync } from 'node:fs';

import { services, startServices, stopServices, type RunningService } from '@verograph/stack';

import { describeKafkaAcls } from './kafkaAcls.ts';

import { onAbnormalExit } from './cleanups.ts';
import { freePorts } from './ports.ts';

/** One line a service printed, as the test saw it. */
export interface ServiceLine {
  readonly service: string;
  readonly line: string;
}

/**
 * The whole system (writers, projectors, four subgraphs, gateway) as separate processes, on
 * ports of their own, configured by `env` (engine addresses, projector choice, timeouts).
 */
export interface RunningSystem {
  readonly gatewayUrl: string;
  readonly services: readonly RunningService[];
  /** Everything the services printed at LOG_LEVEL (warn by default), for assertions and post-mortems. */
  readonly lines: readonly ServiceLine[];
  service(name: string): RunningService;
  /** Services whose process has exited: none may, an outage is no reason to die. */
  exited(): string[];
  /** Writes every line the services printed to `file`, for a post-mortem of a failed run. */
  writeLog(file: string): void;
  /** Lines logged at level 60 (fatal). */
  fatalLines(): ServiceLine[];
  /** A counter's total over all its series in a service's /metrics, e.g. `message_retries_total`. */
  metric(service: string, name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  /** Pauses (SIGSTOP) or resumes (SIGCONT) a service's process, as a long stall would. */
  signal(service: string, signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** The running instances of a service, the first one started first. */
  instances(service: string): RunningService[];
  /** Starts one more instance of a service on a port of its own, from its built bundle. */
  addInstance(service: string): Promise<RunningService>;
  /** `kill -9` of one instance; resolves once the process is gone. */
  kill(instance: RunningService): Promise<void>;
  /**
   * Starts a killed instance again on its port, from its built bundle (`npm run build`), as a
   * process supervisor would; `readyMs` is the time from spawning it to its /health/ready.
   */
  restart(instance: RunningService): Promise<{ readonly instance: RunningService; readonly readyMs: number }>;
  stop(): Promise<void>;
}

const MAX_LINES = 50_000;

export async function startSystem(env: Readonly<Record<string, string>>): Promise<RunningSystem> {
  // Two free ports each: the API's and the operations endpoints'.
  const ports = await freePorts(services.length * 2);
  const portOf = Object.fromEntries(services.map((s, i) => [s.name, ports[2 * i]!]));
  const opsPortOf = Object.fromEntries(
    services.map((s, i) => [s.name, s.opsPort === s.port ? ports[2 * i]! : ports[2 * i + 1]!]),
  );
  const lines: ServiceLine[] = [];
  const verbose = process.env.RESILIENCE_VERBOSE === '1';
  const outputAs = (label?: string) => (service: string, line: string) => {
    const name = label ?? service;
    if (lines.length < MAX_LINES) lines.push({ service: name, line });
    if (verbose) process.stderr.write(`${name.padEnd(12)}| ${line}\n`);
  };
  const serviceEnv = { LOG_LEVEL: 'warn', ...env };
  const running = await startServices({
    env: serviceEnv,
    ports: portOf,
    opsPorts: opsPortOf,
    readyTimeoutMs: 180_000,
    output: outputAs(),
  }).catch(async (error: unknown) => {
    // A service refused by Kafka's authorizer: say what the brokers actually grant, so that a
    // failure on a machine where it does not reproduce can be read from its log.
    if (!String(error).includes('authorization failed') || !env.KAFKA_BROKERS) throw error;
    const acls = await describeKafkaAcls(env.KAFKA_BROKERS).catch((e: unknown) => `(could not describe: ${String(e)})`);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nKafka's ACLs now:\n${acls}`, {
      cause: error,
    });
  });
  /** Every instance ever started (a killed one stays, so a late exit is still seen), and its label. */
  const labels = new Map<RunningService, string>(running.map((r) => [r, r.definition.name]));
  const killed = new Set<RunningService>();
  const startOne = async (name: string, port: number, opsPort: number, label: string) => {
    const [started] = await startServices({
      env: serviceEnv,
      ports: { ...portOf, [name]: port },
      opsPorts: { ...opsPortOf, [name]: opsPort },
      only: [name],
      fromBundle: true,
      readyTimeoutMs: 180_000,
      output: outputAs(label),
    });
    labels.set(started!, label);
    running.push(started!);
    return started!;
  };
  // Should the test process die without its afterAll, the services must not outlive it.
  const unregister = onAbnormalExit(() => {
    for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  });

  const instances = (name: string) => running.filter((s) => s.definition.name === name && !killed.has(s));
  const service = (name: string) => {
    const found = instances(name)[0];
    if (!found) throw new Error(`no ${name} service in this system`);
    return found;
  };
  return {
    gatewayUrl: `${service('gateway').url}/graphql`,
    services: running,
    lines,
    service,
    exited: () =>
      running
        .filter((s) => !killed.has(s) && (s.child.exitCode !== null || s.child.signalCode !== null))
        .map((s) => `${labels.get(s)} (exit ${s.child.exitCode ?? s.child.signalCode})`),
    writeLog: (file) => writeFileSync(file, lines.map((l) => `${l.service.padEnd(12)}| ${l.line}\n`).join('')),
    fatalLines: () => lines.filter(({ line }) => line.includes('"level":60')),
    async metric(name, metricName, labels = {}) {
      const text = await (await fetch(`${service(name).opsUrl}/metrics`)).text();
      let total = 0;
      for (const row of text.split('\n')) {
        if (!row.startsWith(`${metricName}{`) && !row.startsWith(`${metricName} `)) continue;
        if (!Object.entries(labels).every(([k, v]) => row.includes(`${k}="${v}"`))) continue;
        total += Number(row.slice(row.lastIndexOf(' ') + 1));
      }
      return total;
    },
    signal(name, signal) {
      service(name).child.kill(signal);
    },
    instances,
    async addInstance(name) {
      const [port, opsPort] = await freePorts(2);
      const separateOps =
        services.find((s) => s.name === name)?.opsPort !== services.find((s) => s.name === name)?.port;
      return startOne(name, port!, separateOps ? opsPort! : port!, `${name}#${instances(name).length + 1}`);
    },
    async kill(instance) {
      killed.add(instance);
      if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
      const gone = new Promise((resolve) => instance.child.once('exit', resolve));
      instance.child.kill('SIGKILL');
      await gone;
    },
    async restart(instance) {
      const startedAt = performance.now();
      const opsPort = Number(new URL(instance.opsUrl).port);
      const again = await startOne(instance.definition.name, instance.port, opsPort, labels.get(instance)!);
      return { instance: again, readyMs: performance.now() - startedAt };
    },
    async stop() {
      // A paused process would ignore SIGTERM until the grace period ends.
      const live = running.filter((s) => !killed.has(s));
      for (const s of live) if (s.child.exitCode === null) s.child.kill('SIGCONT');
      await stopServices(live);
      unregister();
    },
  };
}
