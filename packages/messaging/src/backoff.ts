/** How long to wait between attempts at a record whose handler failed for a transient reason. */
export interface BackoffPolicy {
  /** The first wait, in milliseconds. */
  readonly initialMs: number;
  /** No wait is longer than this, however many attempts have failed. */
  readonly maxMs: number;
  /** Each wait is this many times the previous one, before jitter. */
  readonly factor: number;
}

// Capped at 5 s: a consumer resumes within seconds of an engine coming back, and a down engine
// still sees only one attempt per partition every few seconds.
export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 5_000, factor: 2 };

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with
 * "equal jitter" — half the ceiling is kept, the other half is random — so consumers that
 * failed together (the engine went down under all of them) do not retry in lock-step, yet
 * no wait collapses to nothing.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
