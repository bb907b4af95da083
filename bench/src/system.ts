import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import {
  repoRoot,
  startServices,
  stopServices,
  type RunningService,
  type StartServicesOptions,
} from '@verograph/stack';

/**
 * The services measured as they run in production: NODE_ENV=production (graphql-js and Apollo
 * Server take their production paths, as in the Kubernetes manifests), which refuses the
 * repository's local secrets and requires a token issuer and audience, so the run makes its
 * own. They are put in this process's environment too: the bench mints its tokens with them
 * (mintTokenForEnv) and processes it starts (the stock gateway) inherit them.
 */
export function productionEnv(): Record<string, string> {
  process.env.JWT_SECRET ??= randomBytes(32).toString('base64url');
  process.env.SUBGRAPH_SIGNING_SECRET ??= randomBytes(32).toString('base64url');
  process.env.JWT_ISSUER ??= 'https://bench.verograph.local/';
  process.env.JWT_AUDIENCE ??= 'verograph-bench';
  process.env.ID_DERIVATION_SECRET ??= randomBytes(32).toString('base64url');
  return {
    NODE_ENV: 'production',
    JWT_SECRET: process.env.JWT_SECRET,
    SUBGRAPH_SIGNING_SECRET: process.env.SUBGRAPH_SIGNING_SECRET,
    JWT_ISSUER: process.env.JWT_ISSUER,
    JWT_AUDIENCE: process.env.JWT_AUDIENCE,
    ID_DERIVATION_SECRET: process.env.ID_DERIVATION_SECRET,
  };
}

/**
 * Starts the engines when one is not serving, and migrates them then. Engines that all serve are
 * left as they are: they may be shared (STACK_DIR of another checkout), and `ensure` reconciles
 * Kafka's ACLs with THIS checkout's migrations/kafka, which would revoke the grants of a newer
 * branch's principals on engines that others use.
 */
export function ensureEngines(): void {
  const cli = [join(repoRoot, 'stack/src/cli.ts')];
  try {
    execFileSync(process.execPath, ['--import', 'tsx', ...cli, 'status'], { stdio: 'ignore' });
  } catch {
    execFileSync(process.execPath, ['--import', 'tsx', ...cli, 'ensure'], { stdio: 'inherit' });
  }
}

/**
 * Engines ensured and every service started, quietly: benchmarks print figures, not logs.
 * `ports` and `opsPorts` move services off their default ports (see StartServicesOptions);
 * `logs` keeps the services' lines at that level (the soak's `--logs`), dropped otherwise.
 */
export async function startQuietSystem(
  placement: Pick<StartServicesOptions, 'ports' | 'opsPorts'> = {},
  logs?: { readonly level: string; readonly output: NonNullable<StartServicesOptions['output']> },
): Promise<{ services: RunningService[]; stop: () => Promise<void> }> {
  ensureEngines();
  const services = await startServices({
    env: { ...productionEnv(), LOG_LEVEL: logs?.level ?? 'error' },
    ...placement,
    output: logs?.output ?? (() => undefined),
    readyTimeoutMs: 180_000,
  });
  return { services, stop: () => stopServices(services) };
}

/** Runs a TypeScript entry as its own process and resolves once it prints `readyLine`. */
export function startProcess(entry: string, env: NodeJS.ProcessEnv, readyLine: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyLine.test(output)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
  });
}
