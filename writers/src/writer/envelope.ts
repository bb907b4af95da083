import { create, fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema, type Envelope } from '@verograph/contracts/common/v1/envelope';

import type { CommandMeta, Decoded, EventEnvelope } from './aggregateWriter.ts';

/** Parses protobuf bytes; anything that is not a valid message of `schema` is poison. */
export function parse<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): { ok: true; message: MessageShape<Desc> } | { ok: false; code: 'UNDECODABLE'; reason: string } {
  try {
    return { ok: true, message: fromBinary(schema, bytes) };
  } catch (error) {
    return {
      ok: false,
      code: 'UNDECODABLE',
      reason: `not a ${schema.typeName}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** A command's metadata, or why its envelope cannot be used. */
export function commandMeta(envelope: Envelope | undefined): CommandMeta | Extract<Decoded<never>, { ok: false }> {
  if (!envelope || envelope.commandId === '') {
    return { ok: false, code: 'MISSING_ENVELOPE', reason: 'the command has no envelope or no command id' };
  }
  return {
    commandId: envelope.commandId,
    aggregateId: envelope.aggregateId,
    actorId: envelope.actorId,
    ...(envelope.bulkLoad ? { bulkLoad: true } : {}),
  };
}

export function isCommandMeta(value: CommandMeta | { ok: false }): value is CommandMeta {
  return !('ok' in value);
}

export function envelopeToProto(envelope: EventEnvelope): Envelope {
  return create(EnvelopeSchema, { ...envelope, occurredAt: timestampFromDate(envelope.occurredAt) });
}

export function envelopeFromProto(envelope: Envelope | undefined): EventEnvelope {
  return {
    messageId: envelope?.messageId ?? '',
    commandId: envelope?.commandId ?? '',
    aggregateId: envelope?.aggregateId ?? '',
    occurredAt: envelope?.occurredAt ? timestampDate(envelope.occurredAt) : new Date(0),
    actorId: envelope?.actorId ?? '',
    traceparent: envelope?.traceparent ?? '',
    tracestate: envelope?.tracestate ?? '',
  };
}

/** Timestamps in events are the writer's decision time, to the millisecond Cassandra keeps. */
export function toTimestamp(date: Date) {
  return timestampFromDate(date);
}

export function fromTimestamp(timestamp: Parameters<typeof timestampDate>[0] | undefined): Date {
  return timestamp ? timestampDate(timestamp) : new Date(0);
}
