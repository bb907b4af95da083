/**
 * The soak's teardown: what it started is closed in the reverse order of its start, each close
 * awaited before the next (the command watch leaves its group before the admin that deletes the
 * group disconnects, and both before the services go), and a close that fails or hangs neither
 * stops the others nor escapes as an unhandled rejection: it is reported, and fails the verdict.
 */

export interface Teardown {
  /** Registers what to close once `what` has started: closed after everything registered later. */
  add(what: string, close: () => Promise<unknown>): void;
  /** Closes everything registered, last first; resolves with one line per close that failed. */
  run(): Promise<string[]>;
}

export function createTeardown(timeoutMs = 30_000): Teardown {
  const closers: Array<{ what: string; close: () => Promise<unknown> }> = [];
  return {
    add: (what, close) => closers.push({ what, close }),
    async run() {
      const failures: string[] = [];
      for (const { what, close } of closers.splice(0).reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
        });
        try {
          await Promise.race([Promise.resolve().then(close), timeout]);
        } catch (error) {
          failures.push(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return failures;
    },
  };
}

/**
 * Records unhandled rejections and uncaught exceptions of this process from now on, instead of
 * the default (print and exit at once, leaving the services it started running): the soak then
 * still tears down, and counts each as a failure of its verdict.
 */
export function trapUnhandled(): { readonly seen: readonly string[]; release(): void } {
  const seen: string[] = [];
  const record = (kind: string) => (error: unknown) => {
    seen.push(`${kind}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  };
  const onRejection = record('unhandled rejection');
  const onException = record('uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    release() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
