import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { continueTrace } from '@verograph/messaging';
import { describe, expect, it } from 'vitest';

import { maskError } from '../errors/maskError.ts';
import { CommandPublishTimeoutError, createCommandBus } from './commandBus.ts';
import { commandChannel, createOutcomeWaiters, type OutcomeListener } from './outcomeListener.ts';
import type { OutcomeReader, RecordedOutcome } from './outcomes.ts';
import type { CommandToPublish } from './publishCommand.ts';
import { commandFingerprint } from './publishCommand.ts';

const command: CommandToPublish = {
  topic: 'posts.commands',
  aggregateId: 'p1',
  commandId: 'c1',
  actorId: 'alice',
  trace: continueTrace(undefined),
  encode: () => new Uint8Array([1]),
};

const applied: RecordedOutcome = {
  commandId: 'c1',
  aggregateId: 'p1',
  status: 'APPLIED',
  reason: null,
  decidedAt: new Date(0),
};

/** A listener that hears whatever `publish` is told to answer, as the writers would. */
function fakeListener(listening = true) {
  const waiters = createOutcomeWaiters();
  const listener: OutcomeListener = {
    isListening: () => listening,
    expect: (commandId) => waiters.expect(commandId),
    stop: async () => waiters.clear(),
  };
  return { listener, waiters };
}

function countingReader(answer: () => RecordedOutcome | undefined) {
  let reads = 0;
  const reader: OutcomeReader = {
    find: async () => {
      reads++;
      return answer();
    },
  };
  return { reader, reads: () => reads };
}

describe('the command bus with an outcome listener', () => {
  it('given an outcome heard on Kafka, then it answers APPLIED having read the log only once (the resend check)', async () => {
    const { listener, waiters } = fakeListener();
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = {
      send: async (records) => {
        sent.push(...records);
        // The writer answers after the command is durably in Kafka.
        setTimeout(() => waiters.heard(applied), 5);
      },
      disconnect: async () => undefined,
    };
    const { reader, reads } = countingReader(() => undefined);
    const bus = createCommandBus({ producer: commandChannel(producer, listener), outcomes: reader, waitMs: 2_000 });
    const result = await bus.dispatch(command);
    expect(result).toMatchObject({ commandId: 'c1', status: 'APPLIED', replayed: false });
    expect(sent).toHaveLength(1);
    expect(reads()).toBe(1);
  });

  it('given nothing heard by the deadline, then it reads the log once more, and answers ACCEPTED when it is not there', async () => {
    const { listener } = fakeListener();
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    const { reader, reads } = countingReader(() => undefined);
    const bus = createCommandBus({ producer, listener, outcomes: reader, waitMs: 50 });
    expect(await bus.dispatch(command)).toMatchObject({ status: 'ACCEPTED', reason: null });
    expect(reads()).toBe(2);
  });

  it('given an outcome recorded while the listener missed it, then the read at the deadline finds it', async () => {
    const { listener } = fakeListener();
    let recorded: RecordedOutcome | undefined;
    const producer: MessageProducer = {
      send: async () => void (recorded = applied),
      disconnect: async () => undefined,
    };
    const { reader } = countingReader(() => recorded);
    const bus = createCommandBus({ producer, listener, outcomes: reader, waitMs: 30 });
    expect(await bus.dispatch(command)).toMatchObject({ status: 'APPLIED', replayed: false });
  });

  it('given a resend of a decided command, then it answers from the log and publishes nothing', async () => {
    const { listener } = fakeListener();
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => undefined };
    const bus = createCommandBus({ producer, listener, outcomes: countingReader(() => applied).reader, waitMs: 2_000 });
    expect(await bus.dispatch(command)).toMatchObject({ status: 'APPLIED', replayed: true });
    expect(sent).toHaveLength(0);
  });

  it('given a resend by a viewer who can no longer see the target, then `sees` refuses it before the record answers', async () => {
    const { listener } = fakeListener();
    const { reader, reads } = countingReader(() => applied);
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    const bus = createCommandBus({ producer, listener, outcomes: reader, waitMs: 2_000 });
    const checks: string[] = [];
    const rights = {
      sees: async () => {
        checks.push('sees');
        throw new Error('POST_NOT_FOUND');
      },
      check: async () => void checks.push('check'),
    };
    await expect(bus.dispatch(command, rights)).rejects.toThrow('POST_NOT_FOUND');
    expect(checks).toEqual(['sees']);
    expect(reads()).toBe(0);
  });

  it('given the command id on record with another fingerprint (a key reused for another request), then IDEMPOTENCY_KEY_REUSED and nothing published', async () => {
    const { listener } = fakeListener();
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => undefined };
    const other = { ...command, encode: () => new Uint8Array([2]) };
    const recorded = { ...applied, fingerprint: commandFingerprint(other) };
    const bus = createCommandBus({
      producer,
      listener,
      outcomes: countingReader(() => recorded).reader,
      waitMs: 2_000,
    });
    await expect(bus.dispatch(command)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(sent).toHaveLength(0);
    // The very request on record is a resend.
    expect(await bus.dispatch(other)).toMatchObject({ status: 'APPLIED', replayed: true });
  });

  it('given another request under the same command id decided first (a key reused while undecided), then IDEMPOTENCY_KEY_REUSED', async () => {
    const { listener, waiters } = fakeListener();
    const first = { ...command, encode: () => new Uint8Array([2]) };
    const producer: MessageProducer = {
      send: async () => void setTimeout(() => waiters.heard({ ...applied, fingerprint: commandFingerprint(first) }), 5),
      disconnect: async () => undefined,
    };
    const bus = createCommandBus({
      producer,
      listener,
      outcomes: countingReader(() => undefined).reader,
      waitMs: 2_000,
    });
    await expect(bus.dispatch(command)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await bus.dispatch(first)).toMatchObject({ status: 'APPLIED', replayed: false });
  });

  it('given a resend by a viewer who still sees the target, then `sees` runs and the write-side `check` does not', async () => {
    const { listener } = fakeListener();
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    const bus = createCommandBus({ producer, listener, outcomes: countingReader(() => applied).reader, waitMs: 2_000 });
    const checks: string[] = [];
    const rights = { sees: async () => void checks.push('sees'), check: async () => void checks.push('check') };
    expect(await bus.dispatch(command, rights)).toMatchObject({ status: 'APPLIED', replayed: true });
    expect(checks).toEqual(['sees']);
  });

  it('given a listener that is not listening (Kafka was down at start), then it polls the log as before', async () => {
    const { listener } = fakeListener(false);
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    let calls = 0;
    const { reader, reads } = countingReader(() => (++calls >= 3 ? applied : undefined));
    const bus = createCommandBus({ producer, listener, outcomes: reader, waitMs: 2_000 });
    expect(await bus.dispatch(command)).toMatchObject({ status: 'APPLIED' });
    expect(reads()).toBe(3);
  });

  it('given a failed publish, then the wait is forgotten and the error surfaces', async () => {
    const { listener, waiters } = fakeListener();
    const producer: MessageProducer = {
      send: async () => {
        throw new Error('no broker');
      },
      disconnect: async () => undefined,
    };
    const bus = createCommandBus({
      producer,
      listener,
      outcomes: countingReader(() => undefined).reader,
      waitMs: 2_000,
    });
    await expect(bus.dispatch(command)).rejects.toThrow('no broker');
    expect(waiters.size).toBe(0);
  });
});

describe('the command bus while Kafka does not acknowledge', () => {
  // Regression: with the broker stopped, kafkajs retried each publish for ~8 s, so a mutation
  // took 8 s to answer (past the gateway's 5 s subgraph timeout) – resilience/kafkaOutage.
  it('given a publish that never completes, then it fails at the publish deadline with an error answered STORE_UNAVAILABLE', async () => {
    let settle: (error: Error) => void = () => undefined;
    const producer: MessageProducer = {
      send: () => new Promise<void>((_, reject) => (settle = reject)),
      disconnect: async () => undefined,
    };
    const { reader } = countingReader(() => undefined);
    const bus = createCommandBus({ producer, outcomes: reader, waitMs: 2_000, publishTimeoutMs: 50 });
    const started = Date.now();
    const error = await bus.dispatch(command).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(CommandPublishTimeoutError);
    expect(maskError({ message: 'x', path: ['createPost'] }, error).code).toBe('STORE_UNAVAILABLE');
    // The producer's own failure, later, is no unhandled rejection.
    settle(new Error('KafkaJSNumberOfRetriesExceeded'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

describe('commandChannel', () => {
  it('stops its listener when the producer is disconnected', async () => {
    let stopped = false;
    let disconnected = false;
    const channel = commandChannel(
      { send: async () => undefined, disconnect: async () => void (disconnected = true) },
      {
        isListening: () => true,
        expect: () => ({ until: async () => undefined, cancel: () => undefined }),
        stop: async () => void (stopped = true),
      },
    );
    await channel.disconnect();
    expect({ stopped, disconnected }).toEqual({ stopped: true, disconnected: true });
  });
});
