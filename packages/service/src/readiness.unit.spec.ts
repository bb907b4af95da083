import { describe, expect, it } from 'vitest';

import { createReadiness } from './readiness.ts';

describe('readiness', () => {
  it('is ready when every check holds, and names each check with what it found', async () => {
    const readiness = createReadiness({
      checks: { store: () => ({ ok: true }), consumer: async () => ({ ok: true, detail: '12 partitions' }) },
    });
    expect(await readiness()).toEqual({
      status: 'ready',
      checks: { store: { ok: true }, consumer: { ok: true, detail: '12 partitions' } },
    });
  });

  it('is not ready when a check fails, throws or outlives its deadline', async () => {
    const readiness = createReadiness({
      timeoutMs: 20,
      checks: {
        store: () => ({ ok: true }),
        consumer: () => ({ ok: false, detail: 'not in its group' }),
        broken: () => {
          throw new Error('Cassandra did not answer');
        },
        slow: () => new Promise(() => {}),
      },
    });
    expect(await readiness()).toEqual({
      status: 'not_ready',
      checks: {
        store: { ok: true },
        consumer: { ok: false, detail: 'not in its group' },
        broken: { ok: false, detail: 'Cassandra did not answer' },
        slow: { ok: false, detail: 'no answer within 20 ms' },
      },
    });
  });

  it('given a flood of probes, runs the checks once per period', async () => {
    let runs = 0;
    let clock = 0;
    const readiness = createReadiness({
      cacheMs: 1_000,
      now: () => clock,
      checks: {
        subgraphs: async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { ok: true };
        },
      },
    });
    await Promise.all(Array.from({ length: 500 }, () => readiness()));
    expect(runs).toBe(1);
    clock += 999;
    await readiness();
    expect(runs).toBe(1);
    clock += 1;
    await readiness();
    expect(runs).toBe(2);
  });
});
