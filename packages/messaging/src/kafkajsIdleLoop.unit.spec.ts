import { createRequire } from 'node:module';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { stopKafkajsIdleLoop } from './kafkajsIdleLoop.ts';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  destroy(): void;
}
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => Queue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const newQueue = () =>
  new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'unit',
    broker: 'localhost:9092',
    logger: silent,
  });

describe("kafkajs's idle request-queue loop", () => {
  afterEach(() => vi.useRealTimers());

  it('schedules no check while nothing is pending, and still checks a request held back by throttling', () => {
    expect(stopKafkajsIdleLoop()).toBe(true);
    vi.useFakeTimers();
    const queue = newQueue();
    const checks = vi.spyOn(queue, 'checkPendingRequests');
    // What every answered request does: check the queue. Before the fix this re-armed a 1 ms timer forever.
    queue.checkPendingRequests();
    vi.advanceTimersByTime(1_000);
    expect(checks).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);

    // Throttled with a request waiting: the check comes when the throttle ends, and sends it.
    const sent = vi.fn();
    queue.throttledUntil = Date.now() + 50;
    queue.pending.push({ send: sent, expectResponse: true, correlationId: 1 });
    queue.checkPendingRequests();
    expect(sent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(queue.pending).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });
});
