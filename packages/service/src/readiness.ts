/**
 * Readiness in one shape for every service: `{ status, checks: { name: { ok, detail? } } }`,
 * ready when every named check holds. Served on each service's operations port (opsServer.ts).
 */
export interface CheckResult {
  readonly ok: boolean;
  /** Why it does not hold, or what it found. */
  readonly detail?: string;
}

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/** One readiness check; a check that throws, rejects or outlives its deadline does not hold. */
export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

/** Named checks; a function when the set changes at run time (the gateway's subgraphs). */
export type ReadinessChecks =
  Readonly<Record<string, ReadinessCheck>> | (() => Readonly<Record<string, ReadinessCheck>>);

export interface ReadinessOptions {
  readonly checks: ReadinessChecks;
  /**
   * How long one answer is given to every probe: a flood of probes runs the checks (which
   * may ask every store or subgraph) at most once per period. Default 1 s.
   */
  readonly cacheMs?: number;
  /** How long one check may take before it counts as failed. Default 2 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * The service's readiness, evaluated at most once per `cacheMs`: probes that arrive while the
 * checks run share that run, and those that arrive soon after share its answer.
 */
export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const cacheMs = options.cacheMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  let last: { readonly at: number; readonly readiness: Promise<Readiness> } | undefined;
  return () => {
    if (last !== undefined && now() - last.at < cacheMs) return last.readiness;
    const readiness = evaluate(typeof options.checks === 'function' ? options.checks() : options.checks, timeoutMs);
    last = { at: now(), readiness };
    // The period starts when the answer is known, so a slow run is not followed at once by another.
    void readiness.then(() => {
      if (last?.readiness === readiness) last = { at: now(), readiness };
    });
    return readiness;
  };
}

async function evaluate(checks: Readonly<Record<string, ReadinessCheck>>, timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => [
      name,
      await withDeadline(check, timeoutMs),
    ]),
  );
  return {
    status: results.every(([, result]) => result.ok) ? 'ready' : 'not_ready',
    checks: Object.fromEntries(results),
  };
}

async function withDeadline(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
