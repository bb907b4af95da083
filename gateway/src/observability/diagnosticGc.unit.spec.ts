import { afterEach, describe, expect, it } from 'vitest';

import { createDiagnosticGc, DEFAULT_PAUSE_MS, DEFAULT_ROUNDS, settleParameters } from './diagnosticGc.ts';

const globals = globalThis as { gc?: () => void };
const original = globals.gc;

afterEach(() => {
  globals.gc = original;
});

describe('diagnostic gc', () => {
  it('refuses to exist without node --expose-gc', () => {
    delete globals.gc;
    expect(() => createDiagnosticGc()).toThrow(/--expose-gc/);
  });

  it('collects once per round and once more, then reads the memory; concurrent requests share one settling', async () => {
    let collections = 0;
    globals.gc = () => {
      collections += 1;
    };
    const diagnostic = createDiagnosticGc();
    const [first, second] = await Promise.all([diagnostic.settle(3, 1), diagnostic.settle(3, 1)]);
    expect(collections).toBe(4);
    expect(second).toBe(first);
    expect(first).toMatchObject({ rounds: 3, pauseMs: 1 });
    expect(first.memory.heapUsed).toBeGreaterThan(0);
  });

  it('reads rounds and pauseMs from the query, bounded', () => {
    expect(settleParameters(new URL('http://g/debug/gc'))).toEqual({
      rounds: DEFAULT_ROUNDS,
      pauseMs: DEFAULT_PAUSE_MS,
    });
    expect(settleParameters(new URL('http://g/debug/gc?rounds=2&pauseMs=500'))).toEqual({ rounds: 2, pauseMs: 500 });
    expect(settleParameters(new URL('http://g/debug/gc?rounds=99'))).toMatch(/rounds/);
    expect(settleParameters(new URL('http://g/debug/gc?pauseMs=-1'))).toMatch(/pauseMs/);
  });
});
