import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';

/** The whole system for an e2e scenario: engines ensured, every service its own process. */
export interface System {
  readonly gatewayUrl: string;
  readonly services: readonly RunningService[];
  /** Bearer token for a user id, as `npm run -s token` mints it. */
  token(userId: string): string;
  stop(): Promise<void>;
}

export async function startSystem(options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<System> {
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'ensure'], {
    stdio: 'inherit',
  });
  const logs: string[] = [];
  const running = await startServices({
    env: { LOG_LEVEL: 'warn', ...options.env },
    output: (service, line) => {
      logs.push(`${service}| ${line}`);
      if (!options.quiet) process.stderr.write(`${service.padEnd(12)}| ${line}\n`);
    },
    readyTimeoutMs: 120_000,
  });
  const gateway = running.find((s) => s.definition.name === 'gateway');
  if (!gateway) throw new Error('the gateway did not start');
  return {
    gatewayUrl: `${gateway.url}/graphql`,
    services: running,
    token: (userId) =>
      execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'gateway/src/token.ts'), userId], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, ...options.env },
      }).trim(),
    stop: () => stopServices(running),
  };
}
