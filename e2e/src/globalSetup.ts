import type { TestProject } from 'vitest/node';

import { hasApi, services } from '@verograph/stack';

import { startSystem } from './system.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    /** The gateway's operations endpoints (/metrics). */
    gatewayOpsUrl: string;
    /** Every service: its API's base URL (none for writers and projectors) and its operations URL. */
    services: Array<{ name: string; url?: string; opsUrl: string }>;
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
    // The others where the stack's defaults, moved by the gateway's own offset, put them.
    const moved = Number(gateway.port) - services.find((s) => s.name === 'gateway')!.port;
    project.provide(
      'services',
      services.map((s) => ({
        name: s.name,
        ...(hasApi(s) ? { url: `http://${gateway.hostname}:${s.port + moved}` } : {}),
        opsUrl: `http://${gateway.hostname}:${s.opsPort + moved}`,
      })),
    );
    return async () => undefined;
  }
  // E2E_PORT_OFFSET moves every service's port, so a run can share the machine with another.
  const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
  const ports = Object.fromEntries(services.map((s) => [s.name, s.port + offset]));
  const system = await startSystem({ verbose: process.env.E2E_VERBOSE === '1', ports });
  project.provide('gatewayUrl', system.gatewayUrl);
  project.provide('gatewayOpsUrl', system.gatewayOpsUrl);
  project.provide(
    'services',
    system.services.map((s) => ({
      name: s.definition.name,
      ...(hasApi(s.definition) ? { url: s.url } : {}),
      opsUrl: s.opsUrl,
    })),
  );
  return () => system.stop();
}
