import { describe, expect, it } from 'vitest';

import { childSpan, continueTrace, traceId } from './trace.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('continueTrace', () => {
  it('continues the caller’s trace as a new span', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const child = continueTrace(parent, 'vendor=1');
    expect(child.traceparent).toMatch(TRACEPARENT);
    expect(traceId(child)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child.traceparent).not.toContain('00f067aa0ba902b7');
    expect(child.tracestate).toBe('vendor=1');
  });

  it('starts a new trace for a missing, malformed or all-zero parent', () => {
    for (const parent of [undefined, 'junk', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']) {
      const trace = continueTrace(parent);
      expect(trace.traceparent).toMatch(TRACEPARENT);
      expect(traceId(trace)).not.toMatch(/^0+$/);
    }
  });

  it('never hands out the same id twice, across many refills of its random pool', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const [, trace, span] = TRACEPARENT.exec(continueTrace(undefined).traceparent)!;
      traces.add(trace!);
      spans.add(span!);
    }
    expect(traces.size).toBe(2_000);
    expect(spans.size).toBe(2_000);
  });
});

describe('childSpan', () => {
  it('is a new span of the same trace, as continueTrace makes it', () => {
    const parent = continueTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'vendor=1');
    const child = childSpan(parent);
    expect(child.traceparent).toMatch(TRACEPARENT);
    expect(traceId(child)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child.traceparent).not.toBe(parent.traceparent);
    expect(child.tracestate).toBe('vendor=1');
  });

  it('parses a context it did not make, like continueTrace', () => {
    expect(childSpan({ traceparent: 'junk' }).traceparent).toMatch(TRACEPARENT);
  });
});
