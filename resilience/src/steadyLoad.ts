import { setTimeout as sleep } from 'node:timers/promises';

/** A client that keeps doing one thing, one step at a time, until told to stop. */
export interface SteadyLoad {
  /** Steps completed so far. */
  steps(): number;
  /** The first error a step threw; the load stops at it. */
  failure(): unknown;
  /** Lets the step in hand finish, then stops; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * Runs `step(0)`, `step(1)`, … in sequence with `pauseMs` between them: a steady stream, never
 * a burst, so the machine the engines share is not overloaded. A step that throws ends the
 * load and is kept for the test to report.
 */
export function steadyLoad(step: (n: number) => Promise<void>, pauseMs: number): SteadyLoad {
  let stopping = false;
  let failure: unknown;
  let done = 0;
  const running = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        await step(n);
        done++;
      } catch (error) {
        failure = error;
        return;
      }
      await sleep(pauseMs);
    }
  })();
  return {
    steps: () => done,
    failure: () => failure,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/**
 * Stops loads after a failed test: waits a few seconds for the steps in hand, no longer (a step
 * resending a mutation to a system that is gone fails once the system is stopped).
 */
export async function stopLoads(...loads: SteadyLoad[]): Promise<void> {
  await Promise.race([Promise.all(loads.map((load) => load.stop())), sleep(5_000)]);
}

/** Polls `probe` until it returns something other than undefined, or fails at the deadline naming `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 120_000, intervalMs = 500 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
