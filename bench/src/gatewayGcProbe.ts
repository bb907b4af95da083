/**
 * Preloaded (`--import`) into each gateway of `npm run bench -- gateway`: sums the time the
 * process spends in garbage-collection pauses and prints the total as `gc-ms=<ms>` whenever it
 * receives SIGUSR2, so the bench reads each gateway's GC share of a round.
 */
import { PerformanceObserver } from 'node:perf_hooks';

let total = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) total += entry.duration;
}).observe({ entryTypes: ['gc'] });
process.on('SIGUSR2', () => {
  process.stdout.write(`gc-ms=${total.toFixed(3)}\n`);
});
