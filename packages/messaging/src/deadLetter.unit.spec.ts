import { describe, expect, it } from 'vitest';

import {
  deadLetterMessage,
  deadLetterSource,
  lazyDeadLetterPublisher,
  type DeadLetterPublisher,
} from './deadLetter.ts';

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

describe('lazyDeadLetterPublisher', () => {
  const record = { topic: 't', partition: 0, offset: '1', key: null, value: null, headers: {} };
  const why = { code: 'UNDECODABLE', reason: 'x' };
  /** A connect that counts, publishes into `sent`, and fails while `down` is set. */
  const fakeConnect = () => {
    const state = { connects: 0, disconnects: 0, sent: 0, down: false };
    const connect = async (): Promise<DeadLetterPublisher> => {
      state.connects++;
      if (state.down) throw new Error('broker unreachable');
      return {
        publish: async () => void state.sent++,
        disconnect: async () => void state.disconnects++,
      };
    };
    return { state, connect };
  };

  it('given no poison record, when the consumer starts and stops, then it never connects', async () => {
    const { state, connect } = fakeConnect();
    await lazyDeadLetterPublisher(connect).disconnect();
    expect(state).toMatchObject({ connects: 0, disconnects: 0 });
  });

  it('given poison records, then it connects once, on the first, and disconnects what it opened', async () => {
    const { state, connect } = fakeConnect();
    const publisher = lazyDeadLetterPublisher(connect);
    await Promise.all([publisher.publish(record, 'g', why), publisher.publish(record, 'g', why)]);
    await publisher.disconnect();
    expect(state).toMatchObject({ connects: 1, sent: 2, disconnects: 1 });
  });

  it('given a failed connect, then the retry of the record connects again', async () => {
    const { state, connect } = fakeConnect();
    const publisher = lazyDeadLetterPublisher(connect);
    state.down = true;
    await expect(publisher.publish(record, 'g', why)).rejects.toThrow('broker unreachable');
    state.down = false;
    await publisher.publish(record, 'g', why);
    expect(state).toMatchObject({ connects: 2, sent: 1 });
  });
});
