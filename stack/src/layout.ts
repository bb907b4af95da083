import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { EngineName } from './engine.ts';

/** The repository root, whichever folder the CLI is started from. */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Everything the stack writes lives under one git-ignored folder (`.stack/` by default,
 * `STACK_DIR` to move it): data and run state are wiped by `reset`; the cache of
 * resolved classpaths is kept so that a reset does not cost a Maven run.
 */
export interface StackLayout {
  readonly stackDir: string;
  readonly logDir: string;
  readonly runDir: string;
  dataDir(engine: EngineName): string;
  cacheDir(engine: EngineName): string;
  pidFile(engine: EngineName): string;
  logFile(engine: EngineName): string;
}

export function stackLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const stackDir = resolve(repoRoot, env.STACK_DIR ?? '.stack');
  const logDir = resolve(stackDir, 'logs');
  const runDir = resolve(stackDir, 'run');
  return {
    stackDir,
    logDir,
    runDir,
    dataDir: (engine) => resolve(stackDir, 'data', engine),
    cacheDir: (engine) => resolve(stackDir, 'cache', engine),
    pidFile: (engine) => resolve(runDir, `${engine}.json`),
    logFile: (engine) => resolve(logDir, `${engine}.log`),
  };
}
