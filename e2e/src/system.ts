import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { LOCAL_JWT_SECRET, mintToken } from '@verograph/gateway';
import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';

/**
 * The insights job's settings when `ensure` starts it for the e2e run (a job already running on
 * the stack keeps its own): a checkpoint every second and 1 s of out-of-orderness, so a window's
 * result is visible about 2 s after the watermark passes its end, not the defaults' 15 s.
 * INSIGHTS_* in the environment win.
 */
const E2E_INSIGHTS_JOB = {
  INSIGHTS_CHECKPOINT_INTERVAL_MS: process.env.INSIGHTS_CHECKPOINT_INTERVAL_MS ?? '1000',
  INSIGHTS_MAX_OUT_OF_ORDERNESS_MS: process.env.INSIGHTS_MAX_OUT_OF_ORDERNESS_MS ?? '1000',
};

/** The whole system for the e2e scenarios: engines ensured, every service its own process. */
export interface System {
  readonly gatewayUrl: string;
  /** The gateway's operations endpoints: /health/ready, /metrics. */
  readonly gatewayOpsUrl: string;
  readonly services: readonly RunningService[];
  stop(): Promise<void>;
}

export async function startSystem(
  options: { env?: NodeJS.ProcessEnv; verbose?: boolean; ports?: Partial<Record<string, number>> } = {},
): Promise<System> {
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'ensure'], {
    stdio: 'inherit',
    env: { ...process.env, ...E2E_INSIGHTS_JOB },
  });
  const running = await startServices({
    env: { LOG_LEVEL: 'warn', ...options.env },
    ...(options.ports ? { ports: options.ports } : {}),
    output: (service, line) => {
      // Services log JSON at warn and above only; a person reading a failed run wants them.
      if (options.verbose || line.includes('"level":50') || line.includes('"level":60')) {
        process.stderr.write(`${service.padEnd(12)}| ${line}\n`);
      }
    },
    readyTimeoutMs: 180_000,
  });
  const gateway = running.find((s) => s.definition.name === 'gateway');
  if (!gateway) throw new Error('the gateway did not start');
  return {
    gatewayUrl: `${gateway.url}/graphql`,
    gatewayOpsUrl: gateway.opsUrl,
    services: running,
    stop: () => stopServices(running),
  };
}

/** A bearer token for a user, as `npm run -s token` mints it with the local secret. */
export function tokenFor(userId: string): Promise<string> {
  return mintToken(process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, userId);
}
