import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { deterministicId } from '@verograph/domain';
import type {
  BatchHandler,
  HandlerOutcome,
  IncomingBatch,
  IncomingRecord,
  MessageProducer,
  OutgoingRecord,
} from '@verograph/messaging';
import { traceHeaders } from '@verograph/messaging';
import type { Logger } from 'pino';

import type { AggregateWriter, CommandMeta, RecordedEvent } from './aggregateWriter.ts';
import { isRejection, type Decision } from './decision.ts';
import type { DecisionLog, RecordedDecision } from './decisionLog.ts';

/** Where a writer reads and publishes. */
export interface WriterTopics {
  readonly commands: string;
  readonly events: string;
  readonly outcomes: string;
}

export interface BatchHandlerDeps<C, E, S> {
  readonly writer: AggregateWriter<C, E, S>;
  readonly decisions: DecisionLog;
  readonly producer: MessageProducer;
  readonly topics: WriterTopics;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Aggregates of one batch worked on at once; each aggregate's commands stay in order. Defaults to 16. */
  readonly aggregateConcurrency?: number;
}

/**
 * Marks a promise that is awaited later (or never, when its batch fails first) as observed, so
 * its rejection is not reported as unhandled; awaiting it still throws.
 */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** How many times a command is decided again after losing a reservation (a username) to another. */
const MAX_RESERVATION_ROUNDS = 3;

/** A record that decoded into a command of the right aggregate. */
interface Valid<C> {
  readonly index: number;
  readonly record: IncomingRecord;
  readonly meta: CommandMeta;
  readonly command: C;
}

/**
 * The writer's handling of a batch of one partition's command records, in the order that makes
 * a crash at any point harmless:
 * 1. decode every record; poison is dead-lettered (by the consumer, from the outcome answered);
 * 2. look the command ids up in the decision log (an aggregate's all at once): a command
 *    decided before (a redelivery, a replay after a crash) keeps that decision, it is never
 *    decided twice;
 * 3. per aggregate, in record order (aggregates side by side): decide (pure) a new command
 *    against the state read from the system of record, take any reservation, and record the
 *    decision with its serialized events first (a plain insert: see "fencing" in the README);
 * 4. apply the recorded events as idempotent upserts, before the aggregate's next command
 *    reads its state;
 * 5. publish the command's events (key = aggregate id) and outcome (key = command id) without
 *    waiting: the producer groups the sends of the batch into few requests;
 * 6. once every send of the batch is acknowledged, answer the outcomes, so that the consumer
 *    may commit.
 * A crash after 3 replays 4 and 5 from the log, with the same events and the same ids. Every
 * write is preceded by `assertOwned`, so a member that lost the partition stops writing.
 */
export function createBatchHandler<C, E, S>(deps: BatchHandlerDeps<C, E, S>): BatchHandler {
  const { writer, decisions, producer, topics, clock } = deps;
  const concurrency = Math.max(1, deps.aggregateConcurrency ?? 16);

  return async (batch: IncomingBatch): Promise<readonly HandlerOutcome[]> => {
    const outcomes: HandlerOutcome[] = [];
    const valid: Valid<C>[] = [];
    for (const [index, record] of batch.records.entries()) {
      const checked = check(record);
      if (checked.kind === 'valid') valid.push({ index, record, meta: checked.meta, command: checked.command });
      else outcomes[index] = checked.outcome;
    }

    // One aggregate's commands in record order.
    const lanes = new Map<string, Valid<C>[]>();
    for (const item of valid) {
      const lane = lanes.get(item.meta.aggregateId);
      if (lane) lane.push(item);
      else lanes.set(item.meta.aggregateId, [item]);
    }

    // A command decided within this batch (sent twice) is decided once.
    const decided = new Map<string, RecordedDecision>();
    // Each command's events and outcome leave as soon as it is applied; the producer keeps
    // the order in which sends are made, so one aggregate's events stay in order.
    const sends: Promise<void>[] = [];
    let failed = false;
    const handleLane = async (lane: readonly Valid<C>[]) => {
      // The lane's lookups go at once, with the state read of its first command (reads have
      // no effect: the state is used only when that command was never decided, and spares a
      // fresh command a round trip). Lanes are bounded, and so are the reads in flight.
      const first = lane[0]!;
      const firstState = quiet(writer.load(first.command, first.meta));
      const found = await Promise.all(lane.map((item) => decisions.find(item.meta.commandId)));
      for (const [position, item] of lane.entries()) {
        if (failed) return;
        const { meta, command, record } = item;
        let decision = decided.get(meta.commandId) ?? found[position];
        if (!decision) {
          const state = await (item === first ? firstState : writer.load(command, meta));
          const made = await decide(command, state, meta, record);
          await batch.assertOwned();
          decision = await decisions.record(made);
        }
        decided.set(meta.commandId, decision);
        const events = decision.events.map((bytes) => writer.decodeEvent(bytes));
        if (decision.status === 'APPLIED') {
          await batch.assertOwned();
          await writer.apply(events);
        }
        await batch.assertOwned();
        sends.push(quiet(producer.send(published(record, decision, events))));
        outcomes[item.index] =
          decision.status === 'REJECTED'
            ? { kind: 'done', rejection: { code: decision.reasonCode || 'REJECTED' } }
            : { kind: 'done' };
      }
    };
    const queue = [...lanes.values()];
    const worker = async () => {
      for (let lane = queue.shift(); lane && !failed; lane = queue.shift()) {
        try {
          await handleLane(lane);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    // Every worker has stopped before the batch fails: none may go on writing while the batch
    // is retried (it would race the retry on its aggregate).
    const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    // Only once every outcome is acknowledged may the consumer commit the batch.
    const settledSends = await Promise.allSettled(sends);
    for (const result of [...settled, ...settledSends]) {
      if (result.status === 'rejected') {
        // What the writer remembers may be ahead of or behind what was written: it reads again.
        writer.forget?.();
        throw result.reason;
      }
    }
    deps.logger.debug(
      { topic: batch.topic, partition: batch.partition, records: batch.records.length, aggregates: lanes.size },
      'batch handled',
    );
    return outcomes;
  };

  /** The events (key = aggregate id) and the outcome (key = command id) of one decision. */
  function published(
    record: IncomingRecord,
    decision: RecordedDecision,
    events: readonly RecordedEvent<E>[],
  ): OutgoingRecord[] {
    const headers = traceHeaders(record.trace);
    // The outcome names what the decided command asked, so a mutation that sent another request
    // under the same command id (a reused idempotency key) is told so.
    const outcomeHeaders = decision.fingerprint ? { ...headers, [FINGERPRINT_HEADER]: decision.fingerprint } : headers;
    return [
      ...decision.events.map((value) => ({ topic: topics.events, key: decision.aggregateId, value, headers })),
      {
        topic: topics.outcomes,
        key: decision.commandId,
        value: encodeOutcome(decision, events),
        headers: outcomeHeaders,
      },
    ];
  }

  /** Decodes a record and checks its key; poison answers a dead-letter outcome. */
  function check(
    record: IncomingRecord,
  ): { kind: 'valid'; meta: CommandMeta; command: C } | { kind: 'poison'; outcome: HandlerOutcome } {
    if (!record.value || record.value.length === 0) {
      return {
        kind: 'poison',
        outcome: { kind: 'dead-letter', code: 'EMPTY_RECORD', reason: 'the record has no value' },
      };
    }
    const decoded = writer.decode(record.value);
    if (!decoded.ok) {
      return { kind: 'poison', outcome: { kind: 'dead-letter', code: decoded.code, reason: decoded.reason } };
    }
    const { meta, command } = decoded;
    const expected = writer.aggregateIdOf(command);
    // Keys decide partitions, and so the order of one aggregate's commands: a command under
    // the wrong key could overtake or be overtaken, so it is refused as a broken contract.
    if (meta.aggregateId !== expected || record.key?.toString() !== expected) {
      return {
        kind: 'poison',
        outcome: {
          kind: 'dead-letter',
          code: 'AGGREGATE_MISMATCH',
          reason: `command ${meta.commandId} belongs to aggregate "${expected}" but was published for "${meta.aggregateId}" with key "${record.key?.toString() ?? ''}"`,
        },
      };
    }
    return { kind: 'valid', meta, command };
  }

  /** Decides a new command, taking its reservations (deciding again against a lost one). */
  async function decide(command: C, loaded: S, meta: CommandMeta, record: IncomingRecord): Promise<RecordedDecision> {
    let state = loaded;
    const now = clock();
    let decision: Decision<E> = writer.decide(command, state, { actorId: meta.actorId, now });
    for (let round = 1; !isRejection(decision) && writer.reserve; round++) {
      const lost = await writer.reserve(command, decision.events, state, meta);
      if (lost === undefined) break;
      if (round === MAX_RESERVATION_ROUNDS) {
        throw new Error(`command ${meta.commandId} kept losing its reservations; retrying it`);
      }
      state = lost;
      decision = writer.decide(command, state, { actorId: meta.actorId, now });
    }
    return toRecorded(decision, meta, record, now);
  }

  function toRecorded(decision: Decision<E>, meta: CommandMeta, record: IncomingRecord, now: Date): RecordedDecision {
    const common = {
      commandId: meta.commandId,
      aggregateId: meta.aggregateId,
      decidedAt: now,
      fingerprint: headerText(record, FINGERPRINT_HEADER),
    };
    if (isRejection(decision)) {
      return {
        ...common,
        status: 'REJECTED',
        reasonCode: decision.rejection.code,
        reasonMessage: decision.rejection.message,
        events: [],
      };
    }
    return {
      ...common,
      status: 'APPLIED',
      reasonCode: '',
      reasonMessage: '',
      events: decision.events.map((event, index) =>
        writer.encodeEvent({
          event,
          envelope: {
            // Deterministic: a replay republishes the very same event ids.
            messageId: deterministicId(meta.commandId, String(index)),
            commandId: meta.commandId,
            aggregateId: meta.aggregateId,
            occurredAt: now,
            actorId: meta.actorId,
            traceparent: record.trace.traceparent,
            tracestate: record.trace.tracestate ?? '',
          },
        }),
      ),
    };
  }
}

/** The Kafka header of the command record that tells what a command asked; see `commandFingerprint`. */
const FINGERPRINT_HEADER = 'command-fingerprint';

function headerText(record: IncomingRecord, name: string): string {
  const value = record.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? '' : first.toString();
}

/** The `CommandOutcome` published on `commands.outcomes` for a decision. */
export function encodeOutcome(decision: RecordedDecision, events: readonly RecordedEvent<unknown>[]): Uint8Array {
  return toBinary(
    CommandOutcomeSchema,
    create(CommandOutcomeSchema, {
      commandId: decision.commandId,
      aggregateId: decision.aggregateId,
      status: decision.status === 'APPLIED' ? CommandStatus.APPLIED : CommandStatus.REJECTED,
      reasonCode: decision.reasonCode,
      reasonMessage: decision.reasonMessage,
      decidedAt: timestampFromDate(decision.decidedAt),
      eventIds: events.map((e) => e.envelope.messageId),
    }),
  );
}
