import { describe, expect, it } from 'vitest';

import type { DecisionCheck } from './decisions.ts';
import { formatVerdict } from './format.ts';
import { slope, soakVerdict, warmupOf, type SoakEnding, type SoakMinute } from './verdict.ts';

const MB = 1_048_576;
const minute = (n: number, rssMb: number, extra: Partial<SoakMinute> = {}): SoakMinute => ({
  minute: n,
  processes: { gateway: { rssBytes: rssMb * MB, heapBytes: 40 * MB } },
  errors: {},
  retries: {},
  lag: 0,
  readP99Ms: 10,
  writeP99Ms: 20,
  reads: 600,
  writes: 120,
  liveUpdates: 60,
  cpuPercent: 20,
  ...extra,
});
const targets = { warmupMinutes: 1, warmupShare: 1 / 3, rssTolerance: 0.1, maxLag: 100 };
const clean: SoakEnding = { lagLeft: 0, drainSeconds: 1, unhandled: [] };
const decided: DecisionCheck = {
  commands: 10,
  notInKafka: 0,
  undecided: 0,
  decidedTwice: 0,
  republished: 0,
  reread: 0,
  notApplied: {},
  watchFailed: undefined,
  ok: true,
};
const verdictOf = (minutes: SoakMinute[], ending = clean, decisions = decided) =>
  soakVerdict(minutes, ending, decisions, targets);

describe('soakVerdict', () => {
  it('given RSS that wobbles around a flat line after warm-up, then memory is flat (warm-up growth does not count)', () => {
    const verdict = verdictOf([minute(1, 100), minute(2, 200), minute(3, 215), minute(4, 190), minute(5, 205)]);
    expect(verdict.memory).toMatchObject({ judged: true, flat: true });
    expect(Math.abs(verdict.memory.byProcess.gateway!.rssGrowth)).toBeLessThan(0.1);
    expect(verdict.passed).toBe(true);
  });

  it('given RSS that climbs steadily after warm-up, then memory is not flat and the soak fails', () => {
    const verdict = verdictOf([minute(1, 100), minute(2, 200), minute(3, 210), minute(4, 220), minute(5, 230)]);
    expect(verdict.memory.byProcess.gateway!.rssSlopePerMinute / MB).toBeCloseTo(10);
    expect(verdict.memory).toMatchObject({ judged: true, flat: false });
    expect(verdict.passed).toBe(false);
  });

  it('given one 15% spike on the last of twelve minutes, then the line, not the last point, decides', () => {
    const verdict = verdictOf(Array.from({ length: 12 }, (_, i) => minute(i + 2, i === 11 ? 115 : 100)));
    expect(verdict.memory.flat).toBe(true);
  });

  // The last 30-minute run (MB, minute 1 → 30): the projectors fell 250 → 192 after warm-up and
  // the old ±10% rule failed them. RSS falling is memory given back; a leak only grows.
  it('given RSS that falls after warm-up, then memory is not growing and the soak passes', () => {
    const projectors = Array.from({ length: 30 }, (_, i) => minute(i + 1, 250 - i * 2));
    const verdict = verdictOf(projectors);
    expect(verdict.memory.byProcess.gateway!.rssGrowth).toBeLessThan(-0.1);
    expect(verdict.memory).toMatchObject({ judged: true, flat: true });
    expect(verdict.passed).toBe(true);
  });

  // The same run's users subgraph: 118 MB at minute 1, stepping up while its caches filled until
  // minute 13, flat after. A 2-minute warm-up put the filling inside the line (+22%).
  it('given a step up while caches fill in the first third, then flat, then the warm-up leaves the step out', () => {
    const users = Array.from({ length: 30 }, (_, i) => minute(i + 1, 118 + Math.min(i, 12) * (21 / 12) + (i % 2)));
    const verdict = verdictOf(users);
    expect(verdict.memory.warmupMinutes).toBe(10);
    expect(verdict.memory).toMatchObject({ judged: true, flat: true });
    const shortWarmup = soakVerdict(users, clean, decided, { ...targets, warmupMinutes: 2, warmupShare: 0 });
    expect(shortWarmup.memory.byProcess.gateway!.rssGrowth).toBeGreaterThan(0.1);
    expect(shortWarmup.memory.flat).toBe(false);
  });

  it('given RSS that keeps growing through the whole run, then the longer warm-up still catches it', () => {
    const leaking = Array.from({ length: 30 }, (_, i) => minute(i + 1, 150 + i * 1.5));
    const verdict = verdictOf(leaking);
    expect(verdict.memory.byProcess.gateway!.rssGrowth).toBeGreaterThan(0.1);
    expect(verdict).toMatchObject({ memory: { judged: true, flat: false }, passed: false });
  });

  it('given a process with no RSS in some minute, then it was lost and the soak fails, short runs included', () => {
    const died = Array.from({ length: 12 }, (_, i) => minute(i + 1, i >= 8 ? 0 : 100));
    expect(verdictOf(died).memory).toMatchObject({ judged: true, flat: false, alive: false });
    expect(verdictOf(died).memory.byProcess.gateway!.gone).toBe(true);
    const short = verdictOf([minute(1, 100), minute(2, 0)]);
    expect(short).toMatchObject({ memory: { judged: false, alive: false }, passed: false });
  });

  it('given a run too short for a slope after warm-up, then memory is not judged and does not fail it', () => {
    const verdict = verdictOf([minute(1, 100), minute(2, 300)]);
    expect(verdict.memory).toMatchObject({ judged: false, flat: false });
    expect(Number.isNaN(verdict.memory.byProcess.gateway!.rssGrowth)).toBe(true);
    expect(verdict.passed).toBe(true);
  });

  it('given errors of any kind, then they are summed by kind and the soak fails', () => {
    const verdict = verdictOf([
      minute(1, 100, { errors: { 'feed: SUBGRAPH_UNAVAILABLE': 2 } }),
      minute(2, 100, { errors: { 'feed: SUBGRAPH_UNAVAILABLE': 1, 'live feedUpdated ended: 4413': 1 } }),
    ]);
    expect(verdict.errors).toEqual({ 'feed: SUBGRAPH_UNAVAILABLE': 3, 'live feedUpdated ended: 4413': 1 });
    expect(verdict).toMatchObject({ errorCount: 4, passed: false });
  });

  it('given a minute past the lag bound, an unread lag, or lag left after the drain, then it fails', () => {
    expect(verdictOf([minute(1, 100), minute(2, 100, { lag: 101 })])).toMatchObject({ maxLag: 101, passed: false });
    expect(verdictOf([minute(1, 100, { lag: Number.NaN })])).toMatchObject({ lagBounded: false, passed: false });
    expect(verdictOf([minute(1, 100)], { ...clean, lagLeft: 3 })).toMatchObject({ lagDrained: false, passed: false });
  });

  it('given a command not decided exactly once, or something unhandled in the soak process, then it fails', () => {
    expect(verdictOf([minute(1, 100)], clean, { ...decided, decidedTwice: 1, ok: false }).passed).toBe(false);
    expect(
      verdictOf([minute(1, 100)], { ...clean, unhandled: ['unhandled rejection: KafkaJSConnectionClosedError'] }),
    ).toMatchObject({ passed: false });
  });

  it('given no minute at all, then nothing passed', () => {
    expect(verdictOf([]).passed).toBe(false);
  });
});

describe('warmupOf', () => {
  it('is the least warm-up, or the share of the run when that is longer', () => {
    expect(warmupOf(2, { warmupMinutes: 2, warmupShare: 1 / 3 })).toBe(2);
    expect(warmupOf(6, { warmupMinutes: 2, warmupShare: 1 / 3 })).toBe(2);
    expect(warmupOf(30, { warmupMinutes: 2, warmupShare: 1 / 3 })).toBe(10);
    expect(warmupOf(30, { warmupMinutes: 12, warmupShare: 1 / 3 })).toBe(12);
  });
});

describe('slope', () => {
  it('is the least-squares slope, NaN below two points', () => {
    expect(
      slope([
        [1, 1],
        [2, 3],
        [3, 5],
      ]),
    ).toBeCloseTo(2);
    expect(Number.isNaN(slope([[1, 1]]))).toBe(true);
  });
});

describe('formatVerdict', () => {
  it('tells the reserved heap and the memory outside it, so that RSS growing beside a flat used heap is explained', () => {
    const withNative = (n: number, rssMb: number, heapTotalMb: number, externalMb: number): SoakMinute =>
      minute(n, rssMb, {
        processes: {
          users: {
            rssBytes: rssMb * MB,
            rssFileBytes: 40 * MB,
            heapBytes: 30 * MB,
            heapTotalBytes: heapTotalMb * MB,
            externalBytes: externalMb * MB,
            heapSpaceBytes: { new: (heapTotalMb - 40) * MB, old: 40 * MB, shared: 0 },
          },
        },
      });
    const verdict = verdictOf([
      withNative(1, 100, 50, 4),
      withNative(2, 110, 52, 5),
      withNative(3, 111, 60, 5),
      withNative(4, 112, 61, 9),
    ]);
    const text = formatVerdict(verdict, targets, 0);
    expect(text).toContain(
      'users        RSS 110 → 112 MB, heap 30 → 30 MB, heap reserved 52 → 61 MB, external 5 → 9 MB',
    );
    // Which space took the reservation, and what RSS holds beyond the heap and external memory.
    expect(text).toContain(
      'reserved MB by space: new 12 → 21, old 40 → 40; RSS beyond heap and external 53 → 42 MB (of RSS, file-backed 40 → 40 MB)',
    );
  });
});
