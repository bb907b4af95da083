/**
 * CPU time by process, read from /proc: lets a benchmark say where the cost of a request goes
 * (gateway, each subgraph, each engine), not only how fast the whole answers.
 */
import { readFileSync } from 'node:fs';

import { engines, stackLayout } from '@verograph/stack';

/** Clock ticks per second as /proc counts them (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU (user + system) the process has used, or undefined once it is gone. */
export function cpuMillis(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The running engines' pids, by name, from the stack's pid files. */
export function enginePids(): Record<string, number> {
  const layout = stackLayout();
  const pids: Record<string, number> = {};
  for (const engine of engines) {
    try {
      const record = JSON.parse(readFileSync(layout.pidFile(engine.name), 'utf8')) as { pid?: unknown };
      if (typeof record.pid === 'number') pids[engine.name] = record.pid;
    } catch {
      // Not started by the stack CLI: left out of the breakdown.
    }
  }
  return pids;
}

/** CPU used by each named process between `start()` and the call of the function it returns. */
export function cpuMeter(pids: Readonly<Record<string, number>>): { stop(): Record<string, number> } {
  const at = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMillis(pid) ?? 0]));
  return {
    stop() {
      return Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [name, (cpuMillis(pid) ?? 0) - (at[name] ?? 0)]),
      );
    },
  };
}
