import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { LOCAL_JWT_SECRET, mintToken } from '@verograph/gateway';
import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';

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
    // The insights job, when this starts it, runs with its defaults (a checkpoint every second,
    // 500 ms of out-of-orderness): a window's result shows about 2 s after its end.
    stdio: 'inherit',
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
