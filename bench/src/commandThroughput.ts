/**
 * Publishing at the rate the far end completes (`sustain`), for the write benchmark's
 * throughput items: the system's and Kafka alone's for the same records.
 */
import { performance } from 'node:perf_hooks';

import type { MessageProducer } from '@verograph/messaging';
import type { Kafka } from 'kafkajs';

import { sleep } from './stats.ts';

export interface SustainOptions {
  /** Commands in flight (published, not yet completed): enough that the consumer never waits. */
  readonly window: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface Sustained {
  readonly perSecond: number;
  /** Completed within the measured seconds. */
  readonly completed: number;
  readonly seconds: number;
}

/**
 * Publishes as fast as the far end completes: keeps `window` records in flight, tops the window
 * up as completions arrive, and counts completions over `seconds` after a warm-up.
 */
export async function sustain(
  options: SustainOptions,
  publish: (count: number) => Promise<void>,
  completed: () => number,
  /** Called when the warm-up ends and the measured seconds begin (to start a CPU meter, say). */
  onMeasuring: () => void = () => undefined,
): Promise<Sustained> {
  const chunk = Math.max(1, Math.min(1000, Math.floor(options.window / 4)));
  let published = 0;
  let failure: { error: unknown } | undefined;
  // Every send still in flight: none may outlive this call, or its failure (a topic deleted
  // under the shared producer, say) would go unseen while a later item waits for its records.
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let from: { at: number; count: number } | undefined;
  for (;;) {
    if (failure) break;
    const now = performance.now();
    if (!from && now - started >= options.warmupSeconds * 1000) {
      from = { at: now, count: completed() };
      onMeasuring();
    }
    if (from && now - from.at >= options.seconds * 1000) {
      const seconds = (now - from.at) / 1000;
      const count = completed() - from.count;
      await Promise.all(inFlight);
      if (failure) break;
      return { perSecond: count / seconds, completed: count, seconds };
    }
    const room = options.window - (published - completed());
    if (room >= chunk) {
      published += chunk;
      const sent: Promise<void> = publish(chunk)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    } else {
      await sleep(2);
    }
  }
  await Promise.all(inFlight);
  throw failure.error;
}

/** Waits until `done()` or the timeout; false when it timed out. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

export interface WritePathDeps {
  readonly kafka: Kafka;
  readonly producer: MessageProducer;
  /** Names this run's topics and consumer groups. */
  readonly run: string;
}
