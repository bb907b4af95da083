import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { consumerMetrics } from './consumerMetrics.ts';
import { createLagTracker } from './consumerLag.ts';

async function lagOf(registry: Registry) {
  const metric = await registry.getSingleMetric('consumer_lag')!.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.topic}/${v.labels.partition}`, v.value]));
}

describe('consumer lag', () => {
  it('is the high watermark minus the next offset to process, per assigned partition', async () => {
    const registry = new Registry();
    const lag = createLagTracker(consumerMetrics(registry).lag, 'g');
    lag.assigned({ t: [0, 1] });
    lag.highWatermark('t', 0, '10');
    lag.processed('t', 0, '3');
    expect(await lagOf(registry)).toEqual({ 't/0': 6 });
    lag.processed('t', 0, '9');
    expect(await lagOf(registry)).toEqual({ 't/0': 0 });
  });

  it('grows from the cluster view while the consumer is stuck, counting from the low watermark when nothing was committed', async () => {
    const registry = new Registry();
    const lag = createLagTracker(consumerMetrics(registry).lag, 'g');
    lag.assigned({ t: [0, 1] });
    lag.refreshed(
      't',
      new Map([
        [0, { low: '0', high: '50' }],
        [1, { low: '5', high: '8' }],
        [2, { low: '0', high: '99' }],
      ]),
      new Map([[0, '20']]),
    );
    expect(await lagOf(registry)).toEqual({ 't/0': 30, 't/1': 3 });
  });

  it('stops reporting partitions the group took away', async () => {
    const registry = new Registry();
    const lag = createLagTracker(consumerMetrics(registry).lag, 'g');
    lag.assigned({ t: [0, 1] });
    lag.highWatermark('t', 0, '5');
    lag.processed('t', 0, '1');
    lag.highWatermark('t', 1, '5');
    lag.processed('t', 1, '1');
    lag.assigned({ t: [1] });
    expect(await lagOf(registry)).toEqual({ 't/1': 3 });
    lag.clear();
    expect(await lagOf(registry)).toEqual({});
  });
});
