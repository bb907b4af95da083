import { describe, expect, it } from 'vitest';

import { coalesceSends } from './coalescingProducer.ts';
import type { MessageProducer, OutgoingRecord } from './producer.ts';

function recordingProducer(fail?: (records: readonly OutgoingRecord[]) => boolean) {
  const requests: string[][] = [];
  let release: () => void = () => {};
  const producer: MessageProducer = {
    async send(records) {
      requests.push(records.map((r) => r.key));
      // The first request stays in flight until released, so later sends pile up behind it.
      if (requests.length === 1) await new Promise<void>((r) => (release = r));
      if (fail?.(records)) throw new Error('broker unavailable');
    },
    async disconnect() {},
  };
  return { producer, requests, release: () => release() };
}

const record = (key: string): OutgoingRecord => ({ topic: 't', key, value: new Uint8Array() });

describe('coalesceSends', () => {
  it('sends at once when idle, and groups what arrives while a request is in flight into one', async () => {
    const { producer, requests, release } = recordingProducer();
    const coalesced = coalesceSends(producer);
    const first = coalesced.send([record('a')]);
    const second = coalesced.send([record('b'), record('c')]);
    const third = coalesced.send([record('d')]);
    release();
    await Promise.all([first, second, third]);
    expect(requests).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('fails every caller whose records were in a failed request, and only those', async () => {
    const { producer, release } = recordingProducer((records) => records.some((r) => r.key === 'b'));
    const coalesced = coalesceSends(producer);
    const first = coalesced.send([record('a')]);
    const second = coalesced.send([record('b')]);
    const third = coalesced.send([record('c')]);
    release();
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow('broker unavailable');
    await expect(third).rejects.toThrow('broker unavailable');
    await expect(coalesced.send([record('e')])).resolves.toBeUndefined();
  });
});
