/**
 * `npm run bench -- ready [--runs 5] [--only writers,projectors]`: each service's time from a
 * restart to ready, from its built bundle, as after a crash: the running instance is killed with
 * `kill -9`, and the same instance (same port, same INSTANCE_ID) is started again after 2 s, as
 * resilience/serviceKills.int.spec.ts does under load; here with no load, so the figure is the
 * service's own start-up. Printed beside it: what the service itself counts from its first line
 * of main to consuming (its log's `ms`), the rest being Node's start and module loading.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';

import { percentile, sleep } from './stats.ts';
import { ensureEngines, productionEnv } from './system.ts';

export interface RestartToReadyOptions {
  readonly runs: number;
  readonly only: readonly string[];
}

/** One restart: spawn → /health/ready, and the `ms` of the service's own start-up line. */
interface Restart {
  readonly readyMs: number;
  readonly mainMs: number | undefined;
}

/** Its start-up line (`writers consuming`, `projectors started`) carries the ms from main's first line. */
function startupMs(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; ms?: unknown };
    return /consuming|started|listening/.test(entry.msg ?? '') && typeof entry.ms === 'number' ? entry.ms : undefined;
  } catch {
    return undefined;
  }
}

async function startFromBundle(name: string, port: number, onLine: (line: string) => void) {
  const [service] = await startServices({
    only: [name],
    fromBundle: true,
    ports: { [name]: port },
    env: { ...productionEnv(), LOG_LEVEL: 'info' },
    output: (_, line) => onLine(line),
  });
  return service!;
}

async function killHard(service: RunningService): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const gone = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGKILL');
  await gone;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);

export async function benchRestartToReady(options: RestartToReadyOptions): Promise<void> {
  ensureEngines();
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/build.ts')], { stdio: 'inherit' });
  for (const name of options.only) {
    // A fixed port per service for the run: the restarted instance is the killed one (INSTANCE_ID).
    const port = 26100 + options.only.indexOf(name);
    let mainMs: number | undefined;
    let running = await startFromBundle(name, port, (line) => (mainMs = startupMs(line) ?? mainMs));
    const restarts: Restart[] = [];
    try {
      for (let run = 0; run < options.runs; run++) {
        await killHard(running);
        await sleep(2_000);
        mainMs = undefined;
        const startedAt = performance.now();
        running = await startFromBundle(name, port, (line) => (mainMs = startupMs(line) ?? mainMs));
        const readyMs = performance.now() - startedAt;
        // The start-up line is printed right before or after ready: let it arrive.
        await sleep(200);
        restarts.push({ readyMs, mainMs });
        console.log(
          `ready: ${name} restart ${run + 1}: ready ${seconds(readyMs)}, main → consuming ${seconds(mainMs)}`,
        );
      }
    } finally {
      await stopServices([running]);
    }
    const ready = restarts.map((r) => r.readyMs).sort((a, b) => a - b);
    const main = restarts.flatMap((r) => (r.mainMs === undefined ? [] : [r.mainMs])).sort((a, b) => a - b);
    console.log(
      `ready: ${name.padEnd(10)} restart → ready median ${seconds(percentile(ready, 50))} ` +
        `(${seconds(ready[0])}–${seconds(ready.at(-1))}, ${ready.length} restarts from dist/${name}/main.mjs); ` +
        `of which main → consuming median ${seconds(main.length > 0 ? percentile(main, 50) : undefined)}`,
    );
  }
}
