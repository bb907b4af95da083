/** Small figures helpers shared by the benchmarks. */
import { cpus, loadavg } from 'node:os';

/** The nearest-rank percentile of already sorted values (p in 0..100); NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** `1.23×`; the ratio of two figures, printed beside them. */
export function ratio(ours: number, baseline: number): string {
  return `${(ours / baseline).toFixed(2)}×`;
}

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** `met` or `NOT met`, beside a target: figures are printed, never asserted. */
export function verdict(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

/**
 * The machine's 1-minute load average and cores, printed beside figures: the cores are shared
 * with the engines and with whatever else runs, and the figures move with that.
 */
export function machineLoad(): string {
  return `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
}

export const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** Runs `work` over `items`, at most `limit` at once. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
