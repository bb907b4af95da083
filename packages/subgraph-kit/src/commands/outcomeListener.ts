import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CommandOutcomeSchema, CommandStatus, type CommandOutcome } from '@verograph/contracts/common/v1/outcome';
import type { MessageProducer } from '@verograph/messaging';
import { topics } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { Admin, Consumer, Kafka } from 'kafkajs';

import type { RecordedOutcome } from './outcomes.ts';
import { FINGERPRINT_HEADER } from './publishCommand.ts';

/** One command whose outcome is awaited; made before the command is published, so none is missed. */
export interface OutcomeWait {
  /** The outcome once it is heard, or undefined when `deadline` (epoch milliseconds) passes first. */
  until(deadline: number): Promise<RecordedOutcome | undefined>;
  /** Forgets the wait (the command was not published after all). */
  cancel(): void;
}

/** Hears the writers' outcomes as they are published and hands them to whoever waits for them. */
export interface OutcomeListener {
  /** True while outcomes are being heard; a wait made otherwise would only time out. */
  isListening(): boolean;
  expect(commandId: string): OutcomeWait;
  /** Stops listening (waits in progress answer undefined at once) and deletes the consumer group. */
  stop(): Promise<void>;
}

/** The in-memory side of a listener: waits by command id, settled by the outcomes heard. */
export interface OutcomeWaiters {
  expect(commandId: string): OutcomeWait;
  /** Settles every wait for this outcome's command; false when nobody waited for it. */
  heard(outcome: RecordedOutcome): boolean;
  /** Whether anybody waits for this command (checked before an outcome is decoded). */
  has(commandId: string): boolean;
  /** Settles every wait with undefined. */
  clear(): void;
  readonly size: number;
}

/**
 * Waits by command id. Several waits for one command (concurrent resends) all get the outcome.
 * At most `maxWaiting` are held: a new wait beyond it settles the oldest with undefined, whose
 * mutation then answers ACCEPTED at once (its command is in Kafka and will be decided), so a
 * backlog of undecided commands costs bounded memory however long the writers lag.
 */
export function createOutcomeWaiters(options: { readonly maxWaiting?: number } = {}): OutcomeWaiters {
  const maxWaiting = options.maxWaiting ?? Number.POSITIVE_INFINITY;
  type Pending = { settle: (outcome: RecordedOutcome | undefined) => void };
  const waiting = new Map<string, Set<Pending>>();
  let size = 0;
  const remove = (commandId: string, pending: Pending) => {
    const set = waiting.get(commandId);
    if (!set?.delete(pending)) return;
    size--;
    if (set.size === 0) waiting.delete(commandId);
  };
  return {
    get size() {
      return size;
    },
    expect(commandId) {
      if (size >= maxWaiting) {
        const oldest = waiting.values().next().value?.values().next().value;
        oldest?.settle(undefined);
      }
      let heard: RecordedOutcome | undefined;
      let done = false;
      let wake: ((outcome: RecordedOutcome | undefined) => void) | undefined;
      const pending: Pending = {
        settle: (outcome) => {
          if (done) return;
          done = true;
          heard = outcome;
          remove(commandId, pending);
          wake?.(outcome);
        },
      };
      const set = waiting.get(commandId) ?? new Set<Pending>();
      set.add(pending);
      waiting.set(commandId, set);
      size++;
      return {
        until(deadline) {
          if (done) return Promise.resolve(heard);
          return new Promise<RecordedOutcome | undefined>((resolve) => {
            const timer = setTimeout(() => pending.settle(undefined), Math.max(0, deadline - Date.now()));
            wake = (outcome) => {
              clearTimeout(timer);
              resolve(outcome);
            };
          });
        },
        cancel: () => pending.settle(undefined),
      };
    },
    has: (commandId) => waiting.has(commandId),
    heard(outcome) {
      const set = waiting.get(outcome.commandId);
      if (!set) return false;
      for (const pending of [...set]) pending.settle(outcome);
      return true;
    },
    clear() {
      for (const set of [...waiting.values()]) for (const pending of [...set]) pending.settle(undefined);
    },
  };
}

/** A `CommandOutcome` from `commands.outcomes` as a mutation reports it; undefined for an unknown status. */
export function outcomeFromMessage(outcome: CommandOutcome, fingerprint?: string): RecordedOutcome | undefined {
  const status =
    outcome.status === CommandStatus.APPLIED
      ? 'APPLIED'
      : outcome.status === CommandStatus.REJECTED
        ? 'REJECTED'
        : undefined;
  if (!status) return undefined;
  const code = outcome.reasonCode;
  return {
    commandId: outcome.commandId,
    aggregateId: outcome.aggregateId,
    status,
    // The same shape as the decision log's reader answers (see createOutcomeReader).
    reason: status === 'REJECTED' || code ? { code: code || 'REJECTED', message: outcome.reasonMessage } : null,
    decidedAt: outcome.decidedAt ? timestampDate(outcome.decidedAt) : undefined,
    ...(fingerprint ? { fingerprint } : {}),
  };
}

export interface OutcomeListenerOptions {
  readonly kafka: Kafka;
  /** Names the consumer group: `<service>-outcomes-<random>`, one group per process. */
  readonly service: string;
  readonly logger: Logger;
  /** Defaults to `commands.outcomes`. */
  readonly topic?: string;
  /** Pause before connecting again after Kafka could not be reached. Defaults to 2 000 ms. */
  readonly retryMs?: number;
  /** MUTATION_MAX_WAITING: waits held at once (see `createOutcomeWaiters`). Unbounded by default. */
  readonly maxWaiting?: number;
}

/**
 * Listens to every partition of `commands.outcomes` from its end, as a consumer group of its
 * own (every instance hears every outcome; none commits offsets), and settles the waits of
 * this process's mutations by command id: a waiting mutation costs no reads. Starts in the
 * background and keeps trying while Kafka is down (reads keep working; mutations then fall
 * back to reading the decision log). `stop` leaves and deletes the group.
 */
export function startOutcomeListener(options: OutcomeListenerOptions): OutcomeListener {
  const { kafka, logger } = options;
  const topic = options.topic ?? topics.commandOutcomes;
  const groupId = `${options.service}-outcomes-${randomUUID()}`;
  const log = logger.child({ component: 'outcome-listener', group: groupId });
  const waiters = createOutcomeWaiters({ maxWaiting: options.maxWaiting });
  let consumer: Consumer | undefined;
  let listening = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = kafka.consumer({
      groupId,
      // Outcomes end a fetch as soon as they arrive; this only bounds idle polls.
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
    });
    consumer = next;
    next.on(next.events.GROUP_JOIN, () => {
      listening = true;
      log.info('listening to command outcomes');
    });
    next.on(next.events.CRASH, (event) => {
      listening = false;
      log.warn({ err: event.payload.error, restart: event.payload.restart }, 'outcome listener crashed');
      if (!event.payload.restart && !stopped) schedule();
    });
    next.on(next.events.STOP, () => {
      listening = false;
    });
    await next.connect();
    await next.subscribe({ topics: [topic], fromBeginning: false });
    await next.run({
      autoCommit: false,
      // Every partition's batch at once: settling a wait is a map lookup.
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value || waiters.size === 0) continue;
          // Outcomes are keyed by command id: most are other processes' and are not decoded.
          const key = message.key?.toString();
          if (key && !waiters.has(key)) continue;
          try {
            // The writers send the decided command's fingerprint along (see `commandFingerprint`).
            const fingerprint = message.headers?.[FINGERPRINT_HEADER]?.toString();
            const outcome = outcomeFromMessage(fromBinary(CommandOutcomeSchema, message.value), fingerprint);
            if (outcome) waiters.heard(outcome);
          } catch (error) {
            log.warn({ err: error, offset: message.offset }, 'an undecodable record on the outcomes topic');
          }
        }
      },
    });
  };

  const schedule = () => {
    if (stopped) return;
    retry = setTimeout(() => {
      retry = undefined;
      const failed = consumer;
      void (failed ? failed.disconnect().catch(() => undefined) : Promise.resolve())
        .then(connect)
        .catch((error: unknown) => {
          log.warn({ err: error }, 'outcome listener could not start; mutations read the decision log meanwhile');
          schedule();
        });
    }, options.retryMs ?? 2_000);
    retry.unref();
  };

  void connect().catch((error: unknown) => {
    log.warn({ err: error }, 'outcome listener could not start; mutations read the decision log meanwhile');
    schedule();
  });

  return {
    isListening: () => listening && !stopped,
    expect: (commandId) => waiters.expect(commandId),
    async stop() {
      stopped = true;
      listening = false;
      if (retry) clearTimeout(retry);
      waiters.clear();
      await consumer?.disconnect().catch((err: unknown) => log.warn({ err }, 'outcome listener disconnect failed'));
      // The group is this process's alone: nobody will use its (empty) offsets again.
      const admin: Admin = kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch (err) {
        log.debug({ err }, 'could not delete the outcome listener group');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

/** A producer that also hears the outcomes of the commands it publishes. */
export interface CommandChannel extends MessageProducer {
  readonly outcomes: OutcomeListener;
}

/**
 * Pairs a subgraph's producer with its outcome listener, so the composition root hands both
 * down as one, and stopping the producer (on shutdown) stops the listener too.
 */
export function commandChannel(producer: MessageProducer, outcomes: OutcomeListener): CommandChannel {
  return {
    outcomes,
    send: (records) => producer.send(records),
    async disconnect() {
      await Promise.allSettled([outcomes.stop(), producer.disconnect()]);
    },
  };
}
