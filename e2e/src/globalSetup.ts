import type { TestProject } from 'vitest/node';

import { services } from '@verograph/stack';

import { startSystem } from './system.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    /** The gateway's operations endpoints (/metrics). */
    gatewayOpsUrl: string;
  }
}

/** Starts the system once for every e2e file, and stops it after the last. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // E2E_GATEWAY_URL: a system already running (started by hand while iterating); nothing to start or stop.
  const running = process.env.E2E_GATEWAY_URL;
  if (running) {
    project.provide('gatewayUrl', running);
    // E2E_GATEWAY_OPS_URL, else GATEWAY_OPS_PORT's default distance: the gateway's port + 10.
    const gateway = new URL(running);
    project.provide(
      'gatewayOpsUrl',
      process.env.E2E_GATEWAY_OPS_URL ?? `${gateway.protocol}//${gateway.hostname}:${Number(gateway.port) + 10}`,
    );
    return async () => undefined;
  }
  // E2E_PORT_OFFSET moves every service's port, so a run can share the machine with another.
  const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
  const ports = Object.fromEntries(services.map((s) => [s.name, s.port + offset]));
  const system = await startSystem({ verbose: process.env.E2E_VERBOSE === '1', ports });
  project.provide('gatewayUrl', system.gatewayUrl);
  project.provide('gatewayOpsUrl', system.gatewayOpsUrl);
  return () => system.stop();
}
