import { describe, expect, it } from 'vitest';

import { awaitOutcome, type OutcomeReader, type RecordedOutcome } from './outcomes.ts';

/** A clock that moves only when the code under test sleeps. */
function virtualTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

const applied: RecordedOutcome = {
  commandId: 'c1',
  aggregateId: 'a1',
  status: 'APPLIED',
  reason: null,
  decidedAt: new Date(0),
};

describe('awaitOutcome', () => {
  it('polls quickly at first, backs off to 25 ms, and gives up at the deadline', async () => {
    const time = virtualTime();
    let reads = 0;
    const reader: OutcomeReader = { find: async () => (reads++, undefined) };
    expect(await awaitOutcome(reader, 'c1', { waitMs: 200, ...time })).toBeUndefined();
    expect(time.sleeps.slice(0, 5)).toEqual([3, 5, 8, 12, 18]);
    expect(Math.max(...time.sleeps)).toBe(25);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(200);
    expect(reads).toBe(time.sleeps.length + 1);
  });

  it('answers as soon as the outcome is recorded', async () => {
    const time = virtualTime();
    const reader: OutcomeReader = { find: async () => (time.now() >= 10 ? applied : undefined) };
    expect(await awaitOutcome(reader, 'c1', { waitMs: 2000, ...time })).toEqual(applied);
    expect(time.now()).toBeLessThan(30);
  });
});
