/**
 * Regression specs for two answers a client got wrong while Cassandra stopped under load
 * (found by cassandraOutage.int.spec.ts):
 * - a request cut off by the stopping node was an INTERNAL_SERVER_ERROR, not STORE_UNAVAILABLE;
 * - a mutation whose command was already in Kafka answered with an error when its wait for
 *   the outcome failed, instead of ACCEPTED.
 */
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';

import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { createCommandBus, isUnavailable, maskError, type OutcomeReader } from '@verograph/subgraph-kit';

// Abstract in the driver's typings, concrete at run time: the driver itself throws these.
const DriverError = cassandra.errors.DriverError as unknown as new (message: string) => Error;

describe('a Cassandra node stopping under a request in flight', () => {
  it('is STORE_UNAVAILABLE, with or without the socket error inside', () => {
    // What cassandra-driver's Connection.clearAndInvokePending hands every pending request.
    const closed = Object.assign(new DriverError('Socket was closed'), { isSocketError: true });
    const withReset = Object.assign(new DriverError('Socket was closed'), {
      isSocketError: true,
      innerError: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    for (const error of [closed, withReset]) {
      expect(isUnavailable(error)).toBe(true);
      expect(maskError({ message: error.message, path: ['post'] }, error).code).toBe('STORE_UNAVAILABLE');
    }
  });

  it('leaves other driver errors to INTERNAL_SERVER_ERROR', () => {
    const bug = new DriverError('Unexpected state');
    expect(maskError({ message: bug.message, path: ['post'] }, bug).code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('a mutation whose outcome cannot be read after its command was published', () => {
  it('answers ACCEPTED: the command is durably in Kafka and will be decided', async () => {
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => {} };
    let finds = 0;
    const outcomes: OutcomeReader = {
      async find() {
        // The look-up before publishing works; Cassandra goes away during the wait after it.
        if (finds++ === 0) return undefined;
        throw Object.assign(new Error('All host(s) tried for query failed.'), { name: 'NoHostAvailableError' });
      },
    };
    const bus = createCommandBus({ producer, outcomes, waitMs: 1_000 });
    const result = await bus.dispatch({
      topic: 'posts.commands',
      aggregateId: 'post-1',
      commandId: 'command-1',
      actorId: 'alice',
      trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      encode: () => new Uint8Array([1]),
    });
    expect(sent).toHaveLength(1);
    expect(result).toMatchObject({ commandId: 'command-1', status: 'ACCEPTED', replayed: false });
  });

  it('still fails, publishing nothing, when the look-up before publishing fails', async () => {
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => {} };
    const outcomes: OutcomeReader = {
      async find() {
        throw Object.assign(new Error('All host(s) tried for query failed.'), { name: 'NoHostAvailableError' });
      },
    };
    const bus = createCommandBus({ producer, outcomes, waitMs: 1_000 });
    await expect(
      bus.dispatch({
        topic: 'posts.commands',
        aggregateId: 'post-1',
        commandId: 'command-1',
        actorId: 'alice',
        trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        encode: () => new Uint8Array([1]),
      }),
    ).rejects.toMatchObject({ name: 'NoHostAvailableError' });
    expect(sent).toEqual([]);
  });
});
