import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { createLogger } from '@verograph/service';
import { describe, expect, it } from 'vitest';

import { lazyProducer } from './lazyProducer.ts';

const logger = createLogger('lazy-producer-unit', 'silent');
const record: OutgoingRecord = { topic: 't', key: 'k', value: new Uint8Array([1]) };

describe('lazyProducer', () => {
  it('given Kafka down at start, when a command is sent later, then it connects again and sends', async () => {
    const sent: OutgoingRecord[] = [];
    let attempts = 0;
    const producer = lazyProducer(async (): Promise<MessageProducer> => {
      attempts++;
      if (attempts === 1) throw new Error('ECONNREFUSED');
      return { send: async (records) => void sent.push(...records), disconnect: async () => undefined };
    }, logger);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(attempts).toBe(1);
    await producer.send([record]);
    expect(attempts).toBe(2);
    expect(sent).toEqual([record]);
  });

  it('given a failing connect, when sending, then the send fails with the cause instead of hanging', async () => {
    const producer = lazyProducer(async () => {
      throw Object.assign(new Error('no broker'), { name: 'KafkaJSConnectionError' });
    }, logger);
    await expect(producer.send([record])).rejects.toMatchObject({ name: 'KafkaJSConnectionError' });
  });

  it('refuses to send after disconnect', async () => {
    let disconnected = false;
    const producer = lazyProducer(
      async () => ({ send: async () => undefined, disconnect: async () => void (disconnected = true) }),
      logger,
    );
    await producer.send([record]);
    await producer.disconnect();
    expect(disconnected).toBe(true);
    await expect(producer.send([record])).rejects.toThrow('disconnected');
  });
});
