import type { TestProject } from 'vitest/node';

import { startSystem } from './system.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
  }
}

/** Starts the system once for every e2e file, and stops it after the last. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const system = await startSystem({ verbose: process.env.E2E_VERBOSE === '1' });
  project.provide('gatewayUrl', system.gatewayUrl);
  return () => system.stop();
}
