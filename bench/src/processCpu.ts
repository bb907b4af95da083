/**
 * CPU time by process, read from /proc: lets a benchmark say where the cost of a request goes
 * (gateway, each subgraph, each engine), not only how fast the whole answers.
 */
import { cpuMillis, engines, readPidRecord, stackLayout } from '@verograph/stack';

/** The running engines' pids, by name, from the stack's pid files (engines it did not start are left out). */
export function enginePids(): Record<string, number> {
  const layout = stackLayout();
  return Object.fromEntries(
    engines.flatMap((engine) => {
      const record = readPidRecord(layout.pidFile(engine.name));
      return record ? [[engine.name, record.pid] as const] : [];
    }),
  );
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
