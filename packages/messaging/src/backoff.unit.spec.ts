import { describe, expect, it } from 'vitest';

import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1_000, factor: 2 };

  it('doubles the ceiling with each attempt and keeps at least half of it', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 2, () => 1)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
    expect(backoffDelay(policy, 4, () => 1)).toBe(800);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(backoffDelay(policy, 5, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 500, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 500, () => 0)).toBe(500);
  });

  it('spreads retries between half the ceiling and the ceiling', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(policy, 3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});
