import { describe, expect, it } from 'vitest';

import { HttpStatusError } from './gatewayClient.ts';
import { answerKind, countOf, failureKind, isError, openLoop } from './openLoop.ts';

describe('answer kinds', () => {
  it('names a payload by its status, a rejection by its reason, an error by its extensions.code', () => {
    expect(answerKind({ data: { lovePost: { status: 'APPLIED' } } })).toBe('APPLIED');
    expect(answerKind({ data: { follow: { status: 'ACCEPTED' } } })).toBe('ACCEPTED');
    expect(answerKind({ data: { follow: { status: 'REJECTED', reason: { code: 'ALREADY_FOLLOWING' } } } })).toBe(
      'REJECTED ALREADY_FOLLOWING',
    );
    expect(answerKind({ errors: [{ message: 'busy', extensions: { code: 'OVERLOADED' } }] }, 503)).toBe(
      'error OVERLOADED (HTTP 503)',
    );
    expect(failureKind(new HttpStatusError(502, '<html>'))).toBe('HTTP 502');
    expect(failureKind(new Error('timeout'))).toBe('client timeout');
    expect(failureKind(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('connection ECONNREFUSED');
  });

  it('counts as errors everything but a payload (OVERLOADED included)', () => {
    const kinds = { APPLIED: 5, ACCEPTED: 2, 'REJECTED NOT_FOUND': 1, 'error OVERLOADED': 3, 'client timeout': 4 };
    expect(countOf(kinds, isError)).toBe(7);
  });
});

describe('the open loop', () => {
  it('sends on schedule whatever the earlier requests do, and times each from its scheduled time', async () => {
    const sentAt: number[] = [];
    const started = performance.now();
    // Every answer takes 300 ms: a closed loop of one would send 1 request in the 200 ms, this one sends 20.
    const figures = await openLoop(100, 0.2, async () => {
      sentAt.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'APPLIED';
    });
    expect(figures.sent).toBe(20);
    expect(sentAt.at(-1)!).toBeLessThan(260);
    expect(figures.latency.p50).toBeGreaterThanOrEqual(299);
    expect(figures.kinds).toEqual({ APPLIED: 20 });
  });
});
