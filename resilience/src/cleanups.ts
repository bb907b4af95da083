/**
 * Teardown steps run last-registered first, each whatever became of the others, so a failed
 * test still stops every process it started and deletes every folder it made.
 */
export function createCleanups() {
  const steps: Array<{ what: string; run: () => Promise<unknown> }> = [];
  return {
    add(what: string, run: () => Promise<unknown>) {
      steps.push({ what, run });
    },
    async runAll() {
      for (const step of steps.splice(0).reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`resilience cleanup: ${step.what} failed:`, error);
        }
      }
    },
  };
}

/**
 * Runs `kill` (synchronous) if this process exits without its teardown: on exit, or on SIGINT
 * or SIGTERM, after which the signal is raised again so the process still ends as it would
 * have. Returns the function that unregisters it once the teardown has run.
 */
export function onAbnormalExit(kill: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    unregister();
    kill();
    process.kill(process.pid, signal);
  };
  const unregister = () => {
    process.off('exit', kill);
    for (const signal of signals) process.off(signal, onSignal);
  };
  process.once('exit', kill);
  for (const signal of signals) process.once(signal, onSignal);
  return unregister;
}
