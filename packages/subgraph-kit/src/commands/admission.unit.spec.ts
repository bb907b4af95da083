import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { continueTrace } from '@verograph/messaging';
import { describe, expect, it } from 'vitest';

import { maskError } from '../errors/maskError.ts';
import { GraphQLError } from 'graphql';

import { OverloadedError } from './admission.ts';
import { createGate, defaultMutationLimits, isOverloaded, type MutationLimits } from './admission.ts';
import { CommandPublishTimeoutError, createCommandBus } from './commandBus.ts';
import { createCommandPublisher } from './commandPublisher.ts';
import { createOutcomeWaiters, type OutcomeListener } from './outcomeListener.ts';
import type { OutcomeReader, RecordedOutcome } from './outcomes.ts';
import type { CommandToPublish } from './publishCommand.ts';

const record = (key: string): OutgoingRecord => ({ topic: 't', key, value: new Uint8Array([1]), headers: {} });

/** A producer whose sends stay in flight until `answer` is called, as a slow broker's. */
function heldProducer() {
  const requests: { records: readonly OutgoingRecord[]; answer: (error?: Error) => void }[] = [];
  const producer: MessageProducer = {
    send: (records) =>
      new Promise<void>((resolve, reject) => {
        requests.push({ records, answer: (error) => (error ? reject(error) : resolve()) });
      }),
    disconnect: async () => undefined,
  };
  return { producer, requests };
}

const unavailable = () => new CommandPublishTimeoutError('queued', 50);

describe('the gate', () => {
  it('given the limit reached, then the next is refused until one leaves, and a release counts once', () => {
    const gate = createGate(2);
    const first = gate.tryEnter();
    const second = gate.tryEnter();
    expect(first && second).toBeTruthy();
    expect(gate.tryEnter()).toBeUndefined();
    first!();
    first!();
    expect(gate.inside).toBe(1);
    expect(gate.tryEnter()).toBeDefined();
    expect(gate.tryEnter()).toBeUndefined();
  });
});

describe('the command publisher', () => {
  it('given sends made while one is in flight, then they go together in the next request, at most maxBatch each', async () => {
    const { producer, requests } = heldProducer();
    const publisher = createCommandPublisher({
      producer,
      maxBatch: 2,
      budgetMs: 5_000,
      retryAfterMs: 100,
      unavailable,
    });
    const sent = ['a', 'b', 'c', 'd'].map((k) => publisher.publish(record(k)));
    expect(requests.map((r) => r.records.map((x) => x.key))).toEqual([['a']]);
    requests[0]!.answer();
    await sent[0];
    expect(requests.map((r) => r.records.map((x) => x.key))).toEqual([['a'], ['b', 'c']]);
    requests[1]!.answer();
    await Promise.all([sent[1], sent[2]]);
    expect(requests[2]!.records.map((x) => x.key)).toEqual(['d']);
    requests[2]!.answer(new Error('broker said no'));
    await expect(sent[3]).rejects.toThrow('broker said no');
    expect(publisher.queued).toBe(0);
  });

  it('given a record queued past its budget behind requests Kafka answers, then it is withdrawn unsent with OVERLOADED', async () => {
    let now = 0;
    const { producer, requests } = heldProducer();
    const publisher = createCommandPublisher({
      producer,
      maxBatch: 10,
      budgetMs: 20,
      retryAfterMs: 700,
      unavailable,
      now: () => now,
    });
    const first = publisher.publish(record('a'));
    const late = publisher.publish(record('b'));
    // The request ahead started just now (by the publisher's clock): Kafka is answering, we are behind.
    now = 5;
    const refusal = await late.catch((error: unknown) => error);
    expect(isOverloaded(refusal)).toBe(true);
    expect((refusal as OverloadedError).retryAfterMs).toBe(700);
    requests[0]!.answer();
    await first;
    expect(requests.flatMap((r) => r.records.map((x) => x.key))).toEqual(['a']);
  });

  it('given the request in flight when it queued still unanswered, then a queued record fails as unavailable (Kafka is away), not OVERLOADED', async () => {
    let now = 0;
    const { producer } = heldProducer();
    const publisher = createCommandPublisher({
      producer,
      maxBatch: 10,
      budgetMs: 20,
      retryAfterMs: 700,
      unavailable,
      now: () => now,
    });
    void publisher.publish(record('a')).catch(() => undefined);
    const queued = publisher.publish(record('b'));
    now = 300;
    await expect(queued).rejects.toBeInstanceOf(CommandPublishTimeoutError);
  });
});

describe('outcome waiters with a bound', () => {
  it('given maxWaiting waits, when one more is made, then the oldest answers undefined at once (ACCEPTED) and the rest wait on', async () => {
    const waiters = createOutcomeWaiters({ maxWaiting: 2 });
    const oldest = waiters.expect('c1');
    const second = waiters.expect('c2');
    const third = waiters.expect('c3');
    expect(waiters.size).toBe(2);
    expect(await oldest.until(Date.now() + 5_000)).toBeUndefined();
    expect(waiters.has('c1')).toBe(false);
    expect(waiters.has('c2') && waiters.has('c3')).toBe(true);
    waiters.clear();
    await Promise.all([second.until(Date.now()), third.until(Date.now())]);
  });
});

const command = (commandId: string, resendable = true): CommandToPublish => ({
  topic: 'posts.commands',
  aggregateId: 'p1',
  commandId,
  actorId: 'alice',
  trace: continueTrace(undefined),
  encode: () => new Uint8Array([1]),
  resendable,
});

const applied = (commandId: string): RecordedOutcome => ({
  commandId,
  aggregateId: 'p1',
  status: 'APPLIED',
  reason: null,
  decidedAt: new Date(0),
});

function busWith(limits: Partial<MutationLimits>, producer: MessageProducer, waitMs = 2_000) {
  const waiters = createOutcomeWaiters({ maxWaiting: limits.maxWaiting ?? 100 });
  const listener: OutcomeListener = {
    isListening: () => true,
    expect: (id) => waiters.expect(id),
    stop: async () => waiters.clear(),
  };
  let reads = 0;
  const outcomes: OutcomeReader = { find: async () => void reads++ };
  const bus = createCommandBus({
    producer,
    listener,
    outcomes,
    waitMs,
    limits: { ...defaultMutationLimits, ...limits },
  });
  return { bus, waiters, reads: () => reads };
}

describe('the command bus under overload', () => {
  it('given maxPending mutations being checked, then the next is refused at once with OVERLOADED, before its rights are read', async () => {
    const { producer } = heldProducer();
    const { bus } = busWith({ maxPending: 1, retryAfterMs: 250 }, producer);
    let releaseCheck!: () => void;
    const checking = new Promise<void>((resolve) => (releaseCheck = resolve));
    const first = bus.dispatch(command('c1'), { check: () => checking });
    let secondChecked = false;
    const started = Date.now();
    const second = await bus
      .dispatch(command('c2'), { sees: async () => void (secondChecked = true) })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(100);
    expect(secondChecked).toBe(false);
    expect(isOverloaded(second)).toBe(true);
    // The error model shows it with its code and retry hint.
    expect(maskError({ message: 'x', path: ['lovePost'] }, second).formatted.extensions).toEqual({
      code: 'OVERLOADED',
      retryable: true,
      retryAfterMs: 250,
    });
    releaseCheck();
    void first.catch(() => undefined);
  });

  it('given a request the gateway sent longer ago than the publish budget (it queued behind a starved loop), then it is refused unread and unpublished', async () => {
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => undefined };
    const { bus } = busWith({ publishBudgetMs: 1_000 }, producer);
    let read = false;
    const refusal = await bus
      .dispatch(command('c1'), { sees: async () => void (read = true) }, { sentAt: Date.now() - 1_500 })
      .catch((e: unknown) => e);
    expect(isOverloaded(refusal)).toBe(true);
    expect(read).toBe(false);
    expect(sent).toEqual([]);
  });

  it('given rights reads that outlast the publish budget, then the command is not published', async () => {
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => undefined };
    const { bus } = busWith({ publishBudgetMs: 30 }, producer);
    const slowCheck = () => new Promise<void>((resolve) => setTimeout(resolve, 50));
    const refusal = await bus.dispatch(command('c1'), { check: slowCheck }).catch((e: unknown) => e);
    expect(isOverloaded(refusal)).toBe(true);
    expect(sent).toEqual([]);
  });

  it('given a command with a fresh id (no idempotency key), then the decision log is not read before it is published', async () => {
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    const { bus, waiters, reads } = busWith({}, producer);
    const answer = bus.dispatch(command('c1', false));
    await new Promise((r) => setTimeout(r, 5));
    waiters.heard(applied('c1'));
    expect(await answer).toMatchObject({ status: 'APPLIED' });
    expect(reads()).toBe(0);
  });

  it('given more published mutations waiting than maxWaiting, then the oldest answers ACCEPTED at once, without a read', async () => {
    const producer: MessageProducer = { send: async () => undefined, disconnect: async () => undefined };
    const { bus, waiters, reads } = busWith({ maxWaiting: 1 }, producer, 5_000);
    const started = Date.now();
    const first = bus.dispatch(command('c1', false));
    await new Promise((r) => setTimeout(r, 5));
    const second = bus.dispatch(command('c2', false));
    expect(await first).toMatchObject({ commandId: 'c1', status: 'ACCEPTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(reads()).toBe(0);
    waiters.heard(applied('c2'));
    expect(await second).toMatchObject({ commandId: 'c2', status: 'APPLIED' });
  });

  it('given the wait for the writer, then it ends at the deadline counted from the mutation arriving, not from the publish', async () => {
    const { producer, requests } = heldProducer();
    const { bus } = busWith({ publishBudgetMs: 1_000 }, producer, 80);
    const started = Date.now();
    const answer = bus.dispatch(command('c1', false));
    await new Promise((r) => setTimeout(r, 60));
    requests[0]!.answer();
    expect(await answer).toMatchObject({ status: 'ACCEPTED' });
    expect(Date.now() - started).toBeLessThan(150);
  });
});

describe('OverloadedError', () => {
  it('formats no stack trace, made or wrapped in a GraphQLError as graphql-js does', () => {
    // Formatting a stack (source-mapped under tsx) is what a refusal by the thousand would cost:
    // redefining `stack` made V8 format the one it had captured, and so does graphql-js when it
    // copies a wrapped error's non-empty stack onto its GraphQLError.
    const original = Error.prepareStackTrace;
    let formatted = 0;
    Error.prepareStackTrace = (error, frames) => {
      formatted++;
      return original ? original(error, frames) : String(error);
    };
    try {
      const refusal = new OverloadedError(1000);
      const located = new GraphQLError(refusal.message, { originalError: refusal, path: ['lovePost'] });
      expect(formatted).toBe(0);
      expect(located.originalError).toBe(refusal);
      expect(refusal).toMatchObject({ code: 'OVERLOADED', retryable: true, retryAfterMs: 1000 });
    } finally {
      Error.prepareStackTrace = original;
    }
  });
});
