import { setTimeout as sleep } from 'node:timers/promises';

import { ConfigError } from '@verograph/service';

/** What `POST /debug/gc` answers: the memory once collection has settled, and how it was settled. */
export interface SettledMemory {
  readonly rounds: number;
  readonly pauseMs: number;
  /** process.memoryUsage() after the last collection (bytes). */
  readonly memory: NodeJS.MemoryUsage;
}

export interface DiagnosticGc {
  /** Collects `rounds` times, `pauseMs` apart, then collects once more and reads the memory. */
  settle(rounds: number, pauseMs: number): Promise<SettledMemory>;
}

export const DEFAULT_ROUNDS = 4;
export const DEFAULT_PAUSE_MS = 2_000;

/**
 * A diagnostic for memory measurements, off by default (GATEWAY_DIAGNOSTIC_GC): it makes the
 * gateway collect garbage on request. One gc() is not enough for a figure worth comparing: V8
 * keeps a grown young generation and freed pages until its memory reducer runs, so the heap and
 * RSS read right after one gc() carry megabytes of noise. Several collections with pauses
 * between them let it shrink first. Refuses to start without node --expose-gc, rather than
 * serving an endpoint that cannot do what it says.
 */
export function createDiagnosticGc(): DiagnosticGc {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new ConfigError('GATEWAY_DIAGNOSTIC_GC=1 needs the gateway started with node --expose-gc');
  }
  let running: Promise<SettledMemory> | undefined;
  const settle = async (rounds: number, pauseMs: number): Promise<SettledMemory> => {
    for (let i = 0; i < rounds; i++) {
      gc();
      await sleep(pauseMs);
    }
    gc();
    return { rounds, pauseMs, memory: process.memoryUsage() };
  };
  return {
    // Requests that arrive while one settles share it: two interleaved settlings would measure each other.
    settle(rounds, pauseMs) {
      running ??= settle(rounds, pauseMs).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}

/** The `rounds` and `pauseMs` query parameters, bounded; defaults when absent. */
export function settleParameters(url: URL): { rounds: number; pauseMs: number } | string {
  const read = (name: string, fallback: number, max: number): number | string => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return fallback;
    const value = Number(raw);
    return Number.isInteger(value) && value >= 0 && value <= max ? value : `${name} must be a whole number 0–${max}`;
  };
  const rounds = read('rounds', DEFAULT_ROUNDS, 10);
  const pauseMs = read('pauseMs', DEFAULT_PAUSE_MS, 10_000);
  if (typeof rounds === 'string') return rounds;
  if (typeof pauseMs === 'string') return pauseMs;
  return { rounds, pauseMs };
}
