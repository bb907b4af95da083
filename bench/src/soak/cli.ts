/**
 * `npm run soak -- --minutes 30 [--warmup 2] [--warmup-share 0.33] [--writes 2] [--reads 10] [--subscribers 8] [--max-lag 500] [--catch-up 300] [--logs DIR]`:
 * the whole system under a moderate mixed load for that long; a line a minute, the verdict at
 * the end, exit code 0 when every target was met and the teardown was clean, 1 otherwise.
 * `--logs DIR` keeps each service's warnings and errors in DIR/<service>.log, each line with the
 * seconds since the services started (to tell what they saw when the soak counted an error).
 *
 * Engines: those of the stack in STACK_DIR (the shared or CI's stack, already up; started only
 * when some engine does not serve, and their migrations left alone when all do). Services: every one as its own process in production mode, as the
 * benchmarks run them, on ports the kernel hands out, never the default ones (4000-4200) that
 * a developer's `npm start`, the e2e suite or another CI job on the same machine may hold. They
 * join the system's usual consumer groups, as every system on a stack does: a second group
 * would decide every command on the shared topics twice.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { createKafka } from '@verograph/messaging';
import { engineAddresses, envReader } from '@verograph/service';
import { services as serviceDefinitions, signInAsAdmin } from '@verograph/stack';

import { defaultSoakOptions, runSoak } from './runSoak.ts';
import { createTeardown, trapUnhandled } from './teardown.ts';
import { machineLoad } from '../stats.ts';
import { startQuietSystem } from '../system.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number, got ${args[index + 1]}`);
  return value;
};

/** With `--logs DIR`: each service's lines at warn and above, appended to DIR/<service>.log. */
function serviceLogs() {
  const index = args.indexOf('--logs');
  if (index < 0) return undefined;
  const dir = args[index + 1];
  if (!dir) throw new Error('--logs needs a directory');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  return {
    level: 'warn',
    output: (service: string, line: string) =>
      appendFileSync(join(dir, `${service}.log`), `[+${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
  };
}

/** A port nothing listens on now, from the kernel; the service takes it a moment later. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function placement() {
  const ports: Record<string, number> = {};
  const opsPorts: Record<string, number> = {};
  for (const s of serviceDefinitions) {
    ports[s.name] = await freePort();
    opsPorts[s.name] = s.opsPort === s.port ? ports[s.name]! : await freePort();
  }
  return { ports, opsPorts };
}

// The soak's own Kafka clients (lag, the command watch) sign in as the stack's admin; the
// services get their own principals from the launcher. Without this the admin had no
// credentials, and the broker closed its connection (KafkaJSConnectionClosedError).
signInAsAdmin();
const unhandled = trapUnhandled();
// Interrupted (Ctrl-C, a cancelled CI job), the soak ends its run, judges what it has and tears
// down what it started: the services would otherwise outlive it. A second one ends it at once.
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort());
const teardown = createTeardown();
let passed = false;
try {
  const system = await startQuietSystem(await placement(), serviceLogs());
  teardown.add('stopping the services', () => system.stop());
  const kafka = createKafka('soak', engineAddresses(envReader()).kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  teardown.add('disconnecting the Kafka admin', () => admin.disconnect());
  const gateway = system.services.find((s) => s.definition.name === 'gateway')!;
  console.log(`soak: services on ${system.services.map((s) => `${s.definition.name} ${s.port}`).join(', ')}`);
  const { verdict } = await runSoak(
    {
      gatewayUrl: `${gateway.url}/graphql`,
      processes: system.services.map((s) => ({ name: s.definition.name, pid: s.child.pid!, opsUrl: s.opsUrl })),
      kafka,
      admin,
    },
    {
      ...defaultSoakOptions,
      minutes: option('--minutes', 30),
      warmupMinutes: option('--warmup', defaultSoakOptions.warmupMinutes),
      warmupShare: option('--warmup-share', defaultSoakOptions.warmupShare),
      maxLag: option('--max-lag', defaultSoakOptions.maxLag),
      catchUpSeconds: option('--catch-up', defaultSoakOptions.catchUpSeconds),
      writesPerSecond: option('--writes', defaultSoakOptions.writesPerSecond),
      readsPerSecond: option('--reads', defaultSoakOptions.readsPerSecond),
      subscribers: option('--subscribers', defaultSoakOptions.subscribers),
      print: (line) => console.log(line),
      unhandled: () => unhandled.seen,
      signal: interrupt.signal,
    },
  );
  passed = verdict.passed;
} catch (error) {
  console.error('soak: stopped by', error);
} finally {
  const failures = await teardown.run();
  // Let what the closes left pending settle, so an error they cause is seen here, not after exit.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const clean = failures.length === 0 && unhandled.seen.length === 0;
  console.log(
    `soak: teardown ${clean ? 'clean' : `NOT clean: ${[...failures, ...unhandled.seen].join('; ')}`}` +
      ` (${machineLoad()})`,
  );
  unhandled.release();
  passed &&= clean;
  console.log(`soak: ${passed ? 'PASSED' : 'FAILED'}`);
  process.exitCode = passed ? 0 : 1;
}
