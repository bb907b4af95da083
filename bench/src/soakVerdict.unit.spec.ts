import { describe, expect, it } from 'vitest';

import { soakVerdict, type SoakMinute } from './soakVerdict.ts';

const minute = (n: number, rssMb: number, extra: Partial<SoakMinute> = {}): SoakMinute => ({
  minute: n,
  processes: { gateway: { rssBytes: rssMb * 1_048_576, heapBytes: undefined } },
  errors: 0,
  lag: 0,
  readP99Ms: 10,
  writeP99Ms: 20,
  reads: 100,
  writes: 10,
  liveUpdates: 10,
  ...extra,
});
const targets = { warmupMinutes: 1, rssTolerance: 0.1, maxLag: 100 };

describe('soakVerdict', () => {
  it('given RSS within ±10% after warm-up, no errors and a bounded lag, then it passes (warm-up growth does not count)', () => {
    const verdict = soakVerdict([minute(1, 100), minute(2, 200), minute(3, 210), minute(4, 195)], targets);
    expect(verdict).toMatchObject({ rssFlat: true, noErrors: true, lagBounded: true, passed: true });
    expect(verdict.rssChange.gateway).toBeCloseTo(-0.025);
  });

  it('given RSS that grows 20% after warm-up, then RSS is not flat', () => {
    expect(soakVerdict([minute(1, 100), minute(2, 200), minute(3, 240)], targets)).toMatchObject({
      rssFlat: false,
      passed: false,
    });
  });

  it('given one error or one minute past the lag bound, then it fails', () => {
    expect(soakVerdict([minute(1, 100), minute(2, 100, { errors: 1 }), minute(3, 100)], targets).passed).toBe(false);
    expect(soakVerdict([minute(1, 100), minute(2, 100, { lag: 101 }), minute(3, 100)], targets)).toMatchObject({
      lagBounded: false,
      maxLag: 101,
    });
  });

  it('given no minute after warm-up, then there is nothing to call flat', () => {
    expect(soakVerdict([minute(1, 100)], targets).rssFlat).toBe(false);
  });
});
