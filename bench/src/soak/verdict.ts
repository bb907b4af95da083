import type { DecisionCheck } from './decisions.ts';

/** What one process used at the end of a minute. */
export interface ProcessMemory {
  readonly rssBytes: number;
  /**
   * The part of RSS that maps files (the node binary's and libraries' pages, touched as code paths
   * first run), the rest being anonymous memory (heap, allocator, stacks).
   */
  readonly rssFileBytes?: number | undefined;
  /** Used V8 heap, from the service's /metrics (undefined when it did not answer). */
  readonly heapBytes: number | undefined;
  /**
   * The heap V8 has reserved, and memory outside it (Buffers, ArrayBuffers, native), from the same
   * /metrics: RSS that grows while the used heap stays flat is one of these, told apart in the verdict.
   */
  readonly heapTotalBytes?: number | undefined;
  readonly externalBytes?: number | undefined;
  /**
   * What V8 has reserved for each of its spaces (`new`, `old`, `code`, `large_object`, …): a
   * reserved heap that grows is told apart as the young generation growing on demand or the
   * old space keeping pages.
   */
  readonly heapSpaceBytes?: Readonly<Record<string, number>> | undefined;
}

/** One minute of a soak run, as printed. */
export interface SoakMinute {
  readonly minute: number;
  readonly processes: Readonly<Record<string, ProcessMemory>>;
  /** Errors in this minute by kind (`createPost: SUBGRAPH_UNAVAILABLE`, `live: closed 4413`, …). */
  readonly errors: Readonly<Record<string, number>>;
  /** Requests sent again after a retryable error, by kind (an error only once the retries are spent). */
  readonly retries: Readonly<Record<string, number>>;
  /** Records the writers' and projectors' groups had not committed at the end of the minute, beyond their lag before the soak (NaN: unread). */
  readonly lag: number;
  readonly readP99Ms: number;
  readonly writeP99Ms: number;
  readonly reads: number;
  readonly writes: number;
  readonly liveUpdates: number;
  /** CPU the services used in the minute, in % of one core (all of them together). */
  readonly cpuPercent: number;
}

export interface SoakTargets {
  /** The least warm-up, in minutes: left out of the memory verdict while JIT, pools and caches fill. */
  readonly warmupMinutes: number;
  /**
   * The share of the run left out of the memory verdict as warm-up, when that is longer than
   * `warmupMinutes` (1/3: 10 minutes of a 30-minute run). A leak grows for as long as the load
   * goes on; a bounded cache (entity, post row, trusted-document and token caches, the
   * subscription registry) fills at the soak's rate and then stays. The last 30-minute run showed
   * the users subgraph stepping up until minute 13 and flat after it: a 2-minute warm-up put that
   * filling inside the line and called it growth.
   */
  readonly warmupShare: number;
  /**
   * How far a process's RSS may grow over the minutes after warm-up, as a fraction of its mean
   * there, read from the least-squares line through them (0.1: +10%). A line, not the first and
   * last minute, so that one garbage collection landing on either end decides nothing. Only
   * growth fails: a leak only grows; RSS that falls after warm-up is memory V8 or the allocator
   * gave back (the projectors fell 250 → 192 MB in the last 30-minute run), printed, not failed on.
   */
  readonly rssTolerance: number;
  /** The consumer lag no minute may exceed. */
  readonly maxLag: number;
}

/** Minutes after warm-up below which a slope says nothing: memory is then not judged. */
export const MIN_SETTLED_MINUTES = 3;

/** The warm-up a run of `minutes` minutes gets: `warmupMinutes`, or `warmupShare` of the run if longer. */
export function warmupOf(minutes: number, targets: Pick<SoakTargets, 'warmupMinutes' | 'warmupShare'>): number {
  return Math.max(targets.warmupMinutes, Math.floor(minutes * targets.warmupShare));
}

/** The memory of one process over the minutes after warm-up. */
export interface MemoryTrend {
  /** RSS at the first and last minute after warm-up (at the first and last minute when there are none). */
  readonly firstRssBytes: number;
  readonly lastRssBytes: number;
  readonly firstHeapBytes: number | undefined;
  readonly lastHeapBytes: number | undefined;
  readonly firstHeapTotalBytes?: number | undefined;
  readonly lastHeapTotalBytes?: number | undefined;
  readonly firstExternalBytes?: number | undefined;
  readonly lastExternalBytes?: number | undefined;
  readonly firstRssFileBytes?: number | undefined;
  readonly lastRssFileBytes?: number | undefined;
  readonly firstHeapSpaceBytes?: Readonly<Record<string, number>> | undefined;
  readonly lastHeapSpaceBytes?: Readonly<Record<string, number>> | undefined;
  /** Slope of the least-squares line through RSS after warm-up, bytes a minute (NaN: too few minutes). */
  readonly rssSlopePerMinute: number;
  /** That line's move over the minutes after warm-up, as a fraction of the mean RSS there (NaN: too few). */
  readonly rssGrowth: number;
  /** The process had no RSS in some minute after its first: it died (or was never there). */
  readonly gone: boolean;
}

/** How the end of the run went: lag drained after the load stopped, and nothing escaped a handler. */
export interface SoakEnding {
  /** Consumer lag left once the load had stopped and the drain wait was over. */
  readonly lagLeft: number;
  readonly drainSeconds: number;
  /** Unhandled rejections and uncaught exceptions in the soak's own process (teardown included). */
  readonly unhandled: readonly string[];
}

export interface SoakVerdict {
  /**
   * `judged` false when the run had fewer than MIN_SETTLED_MINUTES after warm-up: a 2-minute
   * run says nothing of leaks. `flat`: no process grew past the tolerance, and none died.
   */
  readonly memory: {
    readonly judged: boolean;
    readonly flat: boolean;
    /** Every process had RSS in every minute (judged on every run, short ones too). */
    readonly alive: boolean;
    /** The warm-up this run got, in minutes (see `warmupOf`). */
    readonly warmupMinutes: number;
    readonly byProcess: Readonly<Record<string, MemoryTrend>>;
  };
  readonly errors: Readonly<Record<string, number>>;
  readonly errorCount: number;
  /** Requests sent again after a retryable error, by kind: reported, not failed on (an app does the same). */
  readonly retries: Readonly<Record<string, number>>;
  readonly maxLag: number;
  readonly lagBounded: boolean;
  readonly lagDrained: boolean;
  readonly decisions: DecisionCheck;
  readonly unhandled: readonly string[];
  readonly passed: boolean;
}

/** Least-squares slope of y over x (NaN with fewer than two points). */
export function slope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return Number.NaN;
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxy = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  const sxx = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  return sxy / sxx;
}

function memoryTrends(minutes: readonly SoakMinute[], targets: SoakTargets) {
  const warmupMinutes = warmupOf(minutes.length, targets);
  const settled = minutes.filter((m) => m.minute > warmupMinutes);
  const judged = settled.length >= MIN_SETTLED_MINUTES;
  const window = settled.length > 0 ? settled : minutes;
  const names = new Set(minutes.flatMap((m) => Object.keys(m.processes)));
  const byProcess: Record<string, MemoryTrend> = {};
  for (const name of names) {
    const seen = window.filter((m) => m.processes[name] !== undefined);
    const first = seen[0]?.processes[name];
    const last = seen.at(-1)?.processes[name];
    if (!first || !last) continue;
    const points = settled.flatMap((m) => {
      const p = m.processes[name];
      return p ? [[m.minute, p.rssBytes] as const] : [];
    });
    const perMinute = judged ? slope(points) : Number.NaN;
    const mean = points.reduce((s, [, y]) => s + y, 0) / Math.max(1, points.length);
    const span = points.length > 0 ? points.at(-1)![0] - points[0]![0] : 0;
    byProcess[name] = {
      firstRssBytes: first.rssBytes,
      lastRssBytes: last.rssBytes,
      firstHeapBytes: first.heapBytes,
      lastHeapBytes: last.heapBytes,
      firstHeapTotalBytes: first.heapTotalBytes,
      lastHeapTotalBytes: last.heapTotalBytes,
      firstExternalBytes: first.externalBytes,
      lastExternalBytes: last.externalBytes,
      firstRssFileBytes: first.rssFileBytes,
      lastRssFileBytes: last.rssFileBytes,
      firstHeapSpaceBytes: first.heapSpaceBytes,
      lastHeapSpaceBytes: last.heapSpaceBytes,
      rssSlopePerMinute: perMinute,
      rssGrowth: judged && mean > 0 ? (perMinute * span) / mean : Number.NaN,
      // Growth alone would miss a death: a process gone reads 0 RSS, and its line falls.
      gone: minutes.some((m) => (m.processes[name]?.rssBytes ?? 0) === 0),
    };
  }
  const alive = Object.values(byProcess).every((t) => !t.gone);
  const flat = judged && alive && Object.values(byProcess).every((t) => t.rssGrowth <= targets.rssTolerance);
  return { judged, flat, alive, warmupMinutes, byProcess };
}

/**
 * The soak's verdict: memory not growing after warm-up and every process alive (judged only on
 * runs long enough to have a slope), zero errors of any kind, the lag under its bound every minute and drained at the end,
 * every command the soak's mutations published decided exactly once (APPLIED), and nothing
 * unhandled in the soak's own process.
 */
export function soakVerdict(
  minutes: readonly SoakMinute[],
  ending: SoakEnding,
  decisions: DecisionCheck,
  targets: SoakTargets,
): SoakVerdict {
  const memory = memoryTrends(minutes, targets);
  const errors: Record<string, number> = {};
  for (const m of minutes) for (const [kind, n] of Object.entries(m.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  const retries: Record<string, number> = {};
  for (const m of minutes) for (const [kind, n] of Object.entries(m.retries)) retries[kind] = (retries[kind] ?? 0) + n;
  const errorCount = Object.values(errors).reduce((s, n) => s + n, 0);
  // NaN (the lag could not be read) is not a bound kept.
  const lags = minutes.map((m) => m.lag);
  const maxLag = lags.some(Number.isNaN) ? Number.NaN : Math.max(0, ...lags);
  const lagBounded = maxLag <= targets.maxLag;
  const lagDrained = ending.lagLeft === 0;
  return {
    memory,
    errors,
    errorCount,
    retries,
    maxLag,
    lagBounded,
    lagDrained,
    decisions,
    unhandled: ending.unhandled,
    passed:
      (memory.flat || (!memory.judged && memory.alive)) &&
      errorCount === 0 &&
      lagBounded &&
      lagDrained &&
      decisions.ok &&
      ending.unhandled.length === 0 &&
      minutes.length > 0,
  };
}
