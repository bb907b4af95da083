import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How late this process's event loop runs, as the mutation admission reads it. */
export interface EventLoopDelay {
  /** The mean delay over the last complete window, in milliseconds. */
  delayMs(): number;
  stop(): void;
}

/**
 * Samples the event loop's delay (Node's histogram, 10 ms resolution) and keeps the mean of the
 * last `windowMs`. A loop that runs late is a process with more work than CPU: requests already
 * wait in its sockets before any of its code sees them, so counting them is not enough.
 */
export function watchEventLoopDelay(windowMs = 500): EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = 0;
  const timer = setInterval(() => {
    // The histogram counts the resolution itself in each sample.
    last = Math.max(0, histogram.mean / 1e6 - 10);
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    delayMs: () => last,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
