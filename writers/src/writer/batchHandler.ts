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
import { inPool } from '@verograph/service';
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

/** How many times a command is decided again after losing a reservation (a username) to another. */
const MAX_RESERVATION_ROUNDS = 3;

/** A record that decoded into a command of the right aggregate. */
interface Valid<C> {
  readonly index: number;
  readonly record: IncomingRecord;
  readonly meta: CommandMeta;
  readonly command: C;
}

/** A decision of the batch, with what its record is answered and published with. */
interface Settled<C, E> {
  readonly item: Valid<C>;
  readonly decision: RecordedDecision;
  readonly events: readonly RecordedEvent<E>[];
  /** False for a command id seen earlier in the same batch: its events go out once. */
  readonly firstInBatch: boolean;
  /** Decided by this batch, not found in the decision log. */
  readonly isNew: boolean;
}

/**
 * The writer's handling of a batch of one partition's command records, in the order that makes
 * a crash at any point harmless:
 * 1. decode every record; poison is dead-lettered (by the consumer, from the outcome answered);
 * 2. look every command id up in the decision log at once: a command decided before (a
 *    redelivery, a replay after a crash) keeps that decision, it is never decided twice;
 * 3. read, all at once, what each new command needs to know, as the batch starts;
 * 4. per aggregate, in record order, in memory: evolve that state by the aggregate's earlier
 *    events of the batch, decide (pure), take any reservation;
 * 5. record every new decision with its serialized events (plain inserts, few requests: see
 *    "fencing" in the README);
 * 6. apply every event of the batch as idempotent upserts, in few requests, each event at its
 *    own write time so the later wins on a row two of them touch;
 * 7. publish the events (key = aggregate id) and outcomes (key = command id) of the whole
 *    batch with one send;
 * 8. once it is acknowledged, answer the outcomes, so that the consumer may commit.
 * A crash after 5 replays 6 and 7 from the log, with the same events and the same ids; before
 * it, nothing was written but reservations, which a new decision takes again. Every write is
 * preceded by `assertOwned`, so a member that lost the partition stops writing.
 */
export function createBatchHandler<C, E, S>(deps: BatchHandlerDeps<C, E, S>): BatchHandler {
  const { writer, decisions, producer, topics, clock } = deps;
  const concurrency = Math.max(1, deps.aggregateConcurrency ?? 16);
  // Reads in flight for one batch: the states of its commands, read as it starts.
  const readConcurrency = concurrency * 4;

  return async (batch: IncomingBatch): Promise<readonly HandlerOutcome[]> => {
    const outcomes: HandlerOutcome[] = [];
    const valid: Valid<C>[] = [];
    for (const [index, record] of batch.records.entries()) {
      const checked = check(record);
      if (checked.kind === 'valid') valid.push({ index, record, meta: checked.meta, command: checked.command });
      else outcomes[index] = checked.outcome;
    }
    try {
      const settled = await decideAll(valid);

      const fresh = settled.filter((s) => s.isNew).map((s) => s.decision);
      if (fresh.length > 0) {
        await batch.assertOwned();
        await decisions.recordMany(fresh);
      }
      const applied = settled.filter((s) => s.firstInBatch && s.decision.status === 'APPLIED').flatMap((s) => s.events);
      if (applied.length > 0) {
        await batch.assertOwned();
        await writer.apply(applied);
      }
      await batch.assertOwned();
      await producer.send(settled.flatMap(published));
      for (const { item, decision } of settled) {
        outcomes[item.index] =
          decision.status === 'REJECTED'
            ? { kind: 'done', rejection: { code: decision.reasonCode || 'REJECTED' } }
            : { kind: 'done' };
      }
    } catch (error) {
      // What the writer remembers may be ahead of or behind what was written: it reads again.
      writer.forget?.();
      throw error;
    }
    deps.logger.debug(
      { topic: batch.topic, partition: batch.partition, records: batch.records.length, decided: valid.length },
      'batch handled',
    );
    return outcomes;
  };

  /** Steps 2 to 4: every valid record's decision, found or made, in record order per aggregate. */
  async function decideAll(valid: readonly Valid<C>[]): Promise<Settled<C, E>[]> {
    const found = await decisions.findMany(valid.map((v) => v.meta.commandId));
    const firstOf = new Map<string, Valid<C>>();
    for (const item of valid) if (!firstOf.has(item.meta.commandId)) firstOf.set(item.meta.commandId, item);
    const toDecide = valid.filter((v) => !found.has(v.meta.commandId) && firstOf.get(v.meta.commandId) === v);
    const states = new Map<Valid<C>, S>();
    await inPool(toDecide, readConcurrency, async (item) => {
      states.set(item, await writer.load(item.command, item.meta));
    });

    // One aggregate's commands in record order.
    const lanes = new Map<string, Valid<C>[]>();
    for (const item of valid) {
      const lane = lanes.get(item.meta.aggregateId);
      if (lane) lane.push(item);
      else lanes.set(item.meta.aggregateId, [item]);
    }
    const made = new Map<string, RecordedDecision>();
    const decodedOf = new Map<string, readonly RecordedEvent<E>[]>();
    const settledLanes = new Map<string, Settled<C, E>[]>();
    // Lanes go side by side only for the reservations they may wait on; the rest is in memory.
    await inPool([...lanes], concurrency, async ([aggregateId, lane]) => {
      const settled: Settled<C, E>[] = [];
      const earlier: E[] = [];
      for (const item of lane) {
        const { meta, command, record } = item;
        const firstInBatch = firstOf.get(meta.commandId) === item;
        let decision = found.get(meta.commandId) ?? made.get(meta.commandId);
        const isNew = decision === undefined;
        if (!decision) {
          let state = states.get(item) as S;
          for (const event of earlier) state = writer.evolve(state, command, event);
          const fresh = await decide(command, state, meta, record);
          decision = fresh.recorded;
          made.set(meta.commandId, decision);
          // The events as decided: decoding their bytes again would only cost time.
          decodedOf.set(meta.commandId, fresh.events);
        }
        const events = decodedOf.get(meta.commandId) ?? decision.events.map((bytes) => writer.decodeEvent(bytes));
        // A command id seen twice in the batch changes the state once.
        if (firstInBatch && decision.status === 'APPLIED') earlier.push(...events.map((e) => e.event));
        settled.push({ item, decision, events, firstInBatch, isNew });
      }
      settledLanes.set(aggregateId, settled);
    });
    return [...lanes.keys()].flatMap((id) => settledLanes.get(id) ?? []);
  }

  /** The events (key = aggregate id) and the outcome (key = command id) of one decision. */
  function published({ item, decision, events, firstInBatch }: Settled<C, E>): OutgoingRecord[] {
    const { record } = item;
    const headers = traceHeaders(record.trace);
    // The outcome names what the decided command asked, so a mutation that sent another request
    // under the same command id (a reused idempotency key) is told so.
    const outcomeHeaders = decision.fingerprint ? { ...headers, [FINGERPRINT_HEADER]: decision.fingerprint } : headers;
    return [
      ...(firstInBatch ? decision.events : []).map((value) => ({
        topic: topics.events,
        key: decision.aggregateId,
        value,
        headers,
      })),
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
  async function decide(
    command: C,
    loaded: S,
    meta: CommandMeta,
    record: IncomingRecord,
  ): Promise<{ recorded: RecordedDecision; events: readonly RecordedEvent<E>[] }> {
    let state = loaded;
    const now = clock();
    let decision: Decision<E> = writer.decide(command, state, {
      actorId: meta.actorId,
      now,
      bulkLoad: meta.bulkLoad === true,
    });
    for (let round = 1; !isRejection(decision) && writer.reserve; round++) {
      const lost = await writer.reserve(command, decision.events, state, meta);
      if (lost === undefined) break;
      if (round === MAX_RESERVATION_ROUNDS) {
        throw new Error(`command ${meta.commandId} kept losing its reservations; retrying it`);
      }
      state = lost;
      decision = writer.decide(command, state, { actorId: meta.actorId, now, bulkLoad: meta.bulkLoad === true });
    }
    return toRecorded(decision, meta, record, now);
  }

  function toRecorded(
    decision: Decision<E>,
    meta: CommandMeta,
    record: IncomingRecord,
    now: Date,
  ): { recorded: RecordedDecision; events: readonly RecordedEvent<E>[] } {
    const common = {
      commandId: meta.commandId,
      aggregateId: meta.aggregateId,
      decidedAt: now,
      fingerprint: headerText(record, FINGERPRINT_HEADER),
    };
    if (isRejection(decision)) {
      const recorded: RecordedDecision = {
        ...common,
        status: 'REJECTED',
        reasonCode: decision.rejection.code,
        reasonMessage: decision.rejection.message,
        events: [],
      };
      return { recorded, events: [] };
    }
    const events = decision.events.map((event, index): RecordedEvent<E> => ({
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
    }));
    const recorded: RecordedDecision = {
      ...common,
      status: 'APPLIED',
      reasonCode: '',
      reasonMessage: '',
      events: events.map((e) => writer.encodeEvent(e)),
    };
    return { recorded, events };
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
