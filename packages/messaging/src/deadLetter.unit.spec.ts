import { describe, expect, it } from 'vitest';

import { deadLetterMessage, deadLetterSource } from './deadLetter.ts';

describe('dead-letter messages', () => {
  const record = {
    topic: 'posts.commands',
    partition: 7,
    offset: '42',
    key: Buffer.from([0xff, 0x00, 0x01]),
    value: Buffer.from('not protobuf'),
    headers: { traceparent: Buffer.from('00-0123456789abcdef0123456789abcdef-0123456789abcdef-01') },
  };

  it('keeps the original bytes and headers and says where the record came from and why', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const message = deadLetterMessage(record, 'writers-posts', { code: 'UNDECODABLE', reason: 'bad wire type' }, at);
    expect(message.key).toBe(record.key);
    expect(message.value).toBe(record.value);
    expect(message.headers.traceparent).toBe(record.headers.traceparent);
    expect(deadLetterSource(message.headers)).toEqual({
      topic: 'posts.commands',
      partition: 7,
      offset: '42',
      consumerGroup: 'writers-posts',
      code: 'UNDECODABLE',
      reason: 'bad wire type',
      deadLetteredAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('reads nothing from a record that was never dead-lettered', () => {
    expect(deadLetterSource({ traceparent: 'x' })).toBeUndefined();
    expect(deadLetterSource(undefined)).toBeUndefined();
  });
});
