import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { deterministicId } from '@verograph/domain';
import type {
  HandlerOutcome,
  IncomingRecord,
  MessageProducer,
  OutgoingRecord,
  RecordHandler,
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

export interface CommandHandlerDeps<C, E, S> {
  readonly writer: AggregateWriter<C, E, S>;
  readonly decisions: DecisionLog;
  readonly producer: MessageProducer;
  readonly topics: WriterTopics;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** How many times a command is decided again after losing a reservation (a username) to another. */
const MAX_RESERVATION_ROUNDS = 3;

/**
 * The writer's handling of one command record, in the order that makes a crash at any point
 * harmless:
 * 1. decode; a poison record is dead-lettered;
 * 2. look the command id up in the decision log; if it was decided before (a redelivery, a
 *    replay after a crash), that decision stands: it is never decided twice;
 * 3. otherwise decide (pure) against the state read from the system of record, take any
 *    reservation, and record the decision with its serialized events, first;
 * 4. apply the recorded events to the system of record as idempotent upserts;
 * 5. publish the events (key = aggregate id) and the outcome (key = command id);
 * 6. report `done`, so the consumer may commit the offset.
 * A crash after 3 replays 4 and 5 with the same events and the same ids.
 */
export function createCommandHandler<C, E, S>(deps: CommandHandlerDeps<C, E, S>): RecordHandler {
  const { writer, decisions, producer, topics, clock } = deps;
  return async (record: IncomingRecord): Promise<HandlerOutcome> => {
    if (!record.value || record.value.length === 0) {
      return { kind: 'dead-letter', code: 'EMPTY_RECORD', reason: 'the record has no value' };
    }
    const decoded = writer.decode(record.value);
    if (!decoded.ok) return { kind: 'dead-letter', code: decoded.code, reason: decoded.reason };
    const { meta, command } = decoded;
    const expected = writer.aggregateIdOf(command);
    // Keys decide partitions, and so the order of one aggregate's commands: a command under
    // the wrong key could overtake or be overtaken, so it is refused as a broken contract.
    if (meta.aggregateId !== expected || record.key?.toString() !== expected) {
      return {
        kind: 'dead-letter',
        code: 'AGGREGATE_MISMATCH',
        reason: `command ${meta.commandId} belongs to aggregate "${expected}" but was published for "${meta.aggregateId}" with key "${record.key?.toString() ?? ''}"`,
      };
    }

    // The state is read alongside the lookup (reads have no effect), and used only when the
    // command was never decided: the one round trip saved is most of a fresh command's wait.
    const [recorded, state] = await Promise.all([decisions.find(meta.commandId), writer.load(command, meta)]);
    const decision = recorded ?? (await decideAndRecord(command, state, meta, record));
    const events = decision.events.map((bytes) => writer.decodeEvent(bytes));
    if (decision.status === 'APPLIED') await writer.apply(events);
    await producer.send([
      ...decision.events.map((value): OutgoingRecord => ({
        topic: topics.events,
        key: decision.aggregateId,
        value,
        headers: traceHeaders(record.trace),
      })),
      {
        topic: topics.outcomes,
        key: decision.commandId,
        value: encodeOutcome(decision, events),
        headers: traceHeaders(record.trace),
      },
    ]);
    deps.logger.debug(
      {
        commandId: meta.commandId,
        aggregateId: decision.aggregateId,
        status: decision.status,
        code: decision.reasonCode,
      },
      'command handled',
    );
    return decision.status === 'REJECTED'
      ? { kind: 'done', rejection: { code: decision.reasonCode || 'REJECTED' } }
      : { kind: 'done' };
  };

  async function decideAndRecord(
    command: C,
    loaded: S,
    meta: CommandMeta,
    record: IncomingRecord,
  ): Promise<RecordedDecision> {
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
    return decisions.record(toRecorded(decision, meta, record, now));
  }

  function toRecorded(decision: Decision<E>, meta: CommandMeta, record: IncomingRecord, now: Date): RecordedDecision {
    const common = { commandId: meta.commandId, aggregateId: meta.aggregateId, decidedAt: now };
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
