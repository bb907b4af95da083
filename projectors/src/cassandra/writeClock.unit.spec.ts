import { describe, expect, it } from 'vitest';

import { createWriteClock } from './writeClock.ts';

describe('write clock', () => {
  it('gives microseconds that strictly increase, even within one millisecond or when the clock steps back', () => {
    const times = [1_000, 1_000, 1_000, 999, 1_002];
    const clock = createWriteClock(() => times.shift()!);
    expect([clock(), clock(), clock(), clock(), clock()]).toEqual([
      1_000_000n,
      1_000_001n,
      1_000_002n,
      1_000_003n,
      1_002_000n,
    ]);
  });
});
