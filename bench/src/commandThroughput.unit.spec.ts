import { describe, expect, it } from 'vitest';

import { sustain } from './commandThroughput.ts';

describe('sustain', () => {
  it('returns only once every send it started is acknowledged', async () => {
    let outstanding = 0;
    let completed = 0;
    const figures = await sustain(
      { window: 40, warmupSeconds: 0, seconds: 0.05 },
      async (count) => {
        outstanding++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        outstanding--;
        completed += count;
      },
      () => completed,
    );
    // Each send takes 30 ms and the measured time is 50 ms: some were still out when it ended.
    expect(outstanding).toBe(0);
    expect(completed).toBeGreaterThan(0);
    expect(figures.seconds).toBeGreaterThanOrEqual(0.05);
  });

  it('throws the failure of a send that failed after the measured seconds ended', async () => {
    // The send outlives the measurement and then fails, as a send to a deleted topic does after
    // kafkajs's retries: the caller must hear of it, not wait for records that never left.
    const failing = sustain(
      { window: 4, warmupSeconds: 0, seconds: 0.01 },
      () => new Promise<void>((_, reject) => setTimeout(() => reject(new Error('UNKNOWN_TOPIC_OR_PARTITION')), 50)),
      () => 0,
    );
    await expect(failing).rejects.toThrow('UNKNOWN_TOPIC_OR_PARTITION');
  });
});
