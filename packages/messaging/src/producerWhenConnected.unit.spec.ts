import { describe, expect, it } from 'vitest';

import { defaultHeartbeatIntervalMs } from './consumer/types.ts';
import { producerWhenConnected, type MessageProducer, type OutgoingRecord } from './producer.ts';

function connectingLater() {
  const sent: (readonly OutgoingRecord[])[] = [];
  let connect: (producer: MessageProducer) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const connecting = new Promise<MessageProducer>((resolve, reject) => {
    connect = resolve;
    fail = reject;
  });
  const producer: MessageProducer = {
    send: async (records) => void sent.push(records),
    disconnect: async () => undefined,
  };
  return { connecting, sent, connected: () => connect(producer), fail };
}

const record: OutgoingRecord = { topic: 'posts.events', key: 'p1', value: new Uint8Array([1]), headers: {} };

describe('producerWhenConnected', () => {
  it('given a send before the producer connected, then it waits and goes out once it has', async () => {
    const later = connectingLater();
    const producer = producerWhenConnected(later.connecting);
    let done = false;
    const sending = producer.send([record]).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false);
    expect(later.sent).toEqual([]);
    later.connected();
    await sending;
    expect(later.sent).toEqual([[record]]);
  });

  it('given a producer that cannot connect, then a send fails with its error, and nothing is unhandled meanwhile', async () => {
    const later = connectingLater();
    const producer = producerWhenConnected(later.connecting);
    later.fail(new Error('SASL authentication failed'));
    // The caller awaits `connecting` in its start-up; until then the rejection is not unhandled.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(producer.send([record])).rejects.toThrow('SASL authentication failed');
    await expect(later.connecting).rejects.toThrow('SASL authentication failed');
  });
});

describe('defaultHeartbeatIntervalMs', () => {
  it('is 500 ms, or a sixth of a session shorter than 3 s', () => {
    expect(defaultHeartbeatIntervalMs(30_000)).toBe(500);
    expect(defaultHeartbeatIntervalMs(10_000)).toBe(500);
    expect(defaultHeartbeatIntervalMs(2_400)).toBe(400);
  });
});
