/** One minute of a soak run, as printed. */
export interface SoakMinute {
  readonly minute: number;
  /** Resident memory and used heap per process, in bytes (heap undefined when /metrics did not answer). */
  readonly processes: Readonly<Record<string, { readonly rssBytes: number; readonly heapBytes: number | undefined }>>;
  /** Errors in this minute: GraphQL errors, failed requests, live streams that ended unasked. */
  readonly errors: number;
  /** Records the writers' and projectors' groups had not committed at the end of the minute. */
  readonly lag: number;
  readonly readP99Ms: number;
  readonly writeP99Ms: number;
  readonly reads: number;
  readonly writes: number;
  readonly liveUpdates: number;
}

export interface SoakTargets {
  /** Minutes left out of the RSS comparison while caches, JIT and pools fill. */
  readonly warmupMinutes: number;
  /** How far a process's RSS may move from its first post-warm-up minute: 0.1 is ±10%. */
  readonly rssTolerance: number;
  /** The consumer lag no minute may exceed. */
  readonly maxLag: number;
}

export interface SoakVerdict {
  readonly rssFlat: boolean;
  /** Per process: RSS change from the first minute after warm-up to the last, as a fraction. */
  readonly rssChange: Readonly<Record<string, number>>;
  readonly noErrors: boolean;
  readonly errors: number;
  readonly lagBounded: boolean;
  readonly maxLag: number;
  readonly passed: boolean;
}

/**
 * The soak's targets: RSS flat within the tolerance after warm-up (the last minute against the
 * first one after it, per process), zero errors, and the lag never past its bound. With no
 * minute after warm-up there is nothing to compare, and RSS does not count as flat.
 */
export function soakVerdict(minutes: readonly SoakMinute[], targets: SoakTargets): SoakVerdict {
  const settled = minutes.filter((m) => m.minute > targets.warmupMinutes);
  const first = settled[0];
  const last = settled.at(-1);
  const rssChange: Record<string, number> = {};
  if (first && last) {
    for (const [name, { rssBytes }] of Object.entries(last.processes)) {
      const before = first.processes[name]?.rssBytes;
      if (before) rssChange[name] = rssBytes / before - 1;
    }
  }
  const rssFlat =
    first !== undefined && Object.values(rssChange).every((change) => Math.abs(change) <= targets.rssTolerance);
  const errors = minutes.reduce((n, m) => n + m.errors, 0);
  const maxLag = Math.max(0, ...minutes.map((m) => m.lag));
  const lagBounded = maxLag <= targets.maxLag;
  return {
    rssFlat,
    rssChange,
    noErrors: errors === 0,
    errors,
    lagBounded,
    maxLag,
    passed: rssFlat && errors === 0 && lagBounded,
  };
}
