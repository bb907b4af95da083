import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot } from './layout.ts';
import { portIsFree } from './ports.ts';

const run = promisify(execFile);

/** Every process whose command line mentions the folder (engines are started with paths in it). */
function processesMentioning(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = /State:\s+(\S)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(folder) && state !== 'Z') found.push(`${entry}: ${cmdline.slice(0, 120)}`);
    } catch {
      // The process ended while we looked at it.
    }
  }
  return found;
}

// A second, private stack on its own ports and folder, so the shared one is not disturbed.
const stackDir = mkdtempSync(join(tmpdir(), 'stack-cli-'));
// As root, PostgreSQL runs as the postgres user, which must be able to reach its folder.
chmodSync(stackDir, 0o755);
const env = {
  ...process.env,
  STACK_DIR: stackDir,
  POSTGRES_PORT: '55432',
  KAFKA_PORT: '59092',
  KAFKA_CONTROLLER_PORT: '59093',
};
const cli = (...args: string[]) =>
  run('npx', ['tsx', join(repoRoot, 'stack/src/cli.ts'), ...args], { cwd: repoRoot, env, timeout: 240_000 });

describe('npm run stack', () => {
  afterAll(async () => {
    await cli('down').catch(() => undefined);
    rmSync(stackDir, { recursive: true, force: true });
  });

  it('brings engines up healthy, is idempotent, and down leaves no process behind', async () => {
    const up = await cli('up', 'postgres', 'kafka');
    expect(up.stdout).toMatch(/postgres\s+started in\s+[\d.]+ s/);
    expect(up.stdout).toMatch(/kafka\s+started in\s+[\d.]+ s/);
    expect(processesMentioning(stackDir).length).toBeGreaterThan(0);

    const again = await cli('up', 'postgres', 'kafka');
    expect(again.stdout).toMatch(/postgres\s+already running/);
    expect(again.stdout).toMatch(/kafka\s+already running/);

    // Only the engines this stack runs: another stack's engine on a default port does not sign
    // this stack's principals in, so it is not healthy for this one.
    const status = await cli('status', 'postgres', 'kafka');
    expect(status.stdout).toMatch(/postgres\s+\S+\s+healthy/);
    expect(status.stdout).toMatch(/kafka\s+\S+\s+healthy/);

    const down = await cli('down');
    expect(down.stdout).toMatch(/postgres\s+stopped/);
    expect(down.stdout).toMatch(/kafka\s+stopped/);
    expect(processesMentioning(stackDir)).toEqual([]);
    expect(await portIsFree('127.0.0.1', 55432)).toBe(true);
    expect(await portIsFree('127.0.0.1', 59092)).toBe(true);
    expect(readdirSync(join(stackDir, 'run'))).toEqual([]);
    // A JVM engine and PostgreSQL started, checked and stopped: minutes on a busy machine.
  }, 240_000);

  it('names the port and the fix when a port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(55432, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const error = (await cli('up', 'postgres').catch((e: unknown) => e)) as { code: number; stderr: string };
      expect(error.code).toBe(1);
      expect(error.stderr).toContain('port 55432 on 127.0.0.1 is taken');
      expect(error.stderr).toContain('POSTGRES_PORT=<port>');
    } finally {
      blocker.close();
    }
  }, 120_000);
});
