import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';

/** Engines ensured and every service started, quietly: benchmarks print figures, not logs. */
export async function startQuietSystem(): Promise<{ services: RunningService[]; stop: () => Promise<void> }> {
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'ensure'], {
    stdio: 'inherit',
  });
  const services = await startServices({
    env: { LOG_LEVEL: 'error' },
    output: () => undefined,
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
