import { createHash } from 'node:crypto';

import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema, type Envelope } from '@verograph/contracts/common/v1/envelope';
import { newId } from '@verograph/domain';
import type { MessageProducer, OutgoingRecord, TraceContext } from '@verograph/messaging';
import { traceHeaders } from '@verograph/messaging';

/** One command, ready to go: where to, keyed by what, and how to encode it around its envelope. */
export interface CommandToPublish {
  /** The commands topic of the aggregate, e.g. `posts.commands`. */
  readonly topic: string;
  /** The aggregate id: the record key, so one aggregate's commands keep their order. */
  readonly aggregateId: string;
  readonly commandId: string;
  /** The signed-in viewer who issued it. */
  readonly actorId: string;
  readonly trace: TraceContext;
  /** Builds the protobuf command (e.g. `PostCommand`) around the envelope and encodes it. */
  readonly encode: (envelope: Envelope) => Uint8Array;
  /**
   * False when the command id was made fresh for this request (no idempotency key, see
   * `commandIdFor`): no decision can be recorded under it yet, so the decision log is not read
   * before publishing. Defaults to true (the id may be a resend's).
   */
  readonly resendable?: boolean;
  /** Set by trusted bulk loaders only (the demo loader); the subgraphs never set it. */
  readonly bulkLoad?: boolean;
}

/** The envelope of a command: its ids, its actor, when it was issued and the request's trace. */
export function commandEnvelope(command: CommandToPublish, now: Date): Envelope {
  return create(EnvelopeSchema, {
    messageId: newId(),
    commandId: command.commandId,
    aggregateId: command.aggregateId,
    occurredAt: timestampFromDate(now),
    actorId: command.actorId,
    traceparent: command.trace.traceparent,
    tracestate: command.trace.tracestate ?? '',
    bulkLoad: command.bulkLoad === true,
  });
}

/** The Kafka header that carries a command's fingerprint to the writer's decision log. */
export const FINGERPRINT_HEADER = 'command-fingerprint';

/**
 * What the command asks, as a SHA-256 over its encoding around an envelope that holds only
 * what a resend repeats (command, aggregate and actor ids; no message id, time or trace): a
 * true resend has the same fingerprint, the same idempotency key reused for another request
 * (another caption, another level) has another.
 */
export function commandFingerprint(command: CommandToPublish): string {
  const envelope = create(EnvelopeSchema, {
    commandId: command.commandId,
    aggregateId: command.aggregateId,
    actorId: command.actorId,
  });
  return createHash('sha256').update(command.encode(envelope)).digest('base64url');
}

/** The one Kafka record of a command: keyed by its aggregate id, with the W3C trace headers. */
export function commandRecord(command: CommandToPublish, now: Date = new Date()): OutgoingRecord {
  return {
    topic: command.topic,
    key: command.aggregateId,
    value: command.encode(commandEnvelope(command, now)),
    headers: {
      ...traceHeaders(command.trace),
      'command-id': command.commandId,
      // Recorded with the writer's decision, to tell a resend from a reused key.
      [FINGERPRINT_HEADER]: commandFingerprint(command),
    },
  };
}

/**
 * Publishes exactly one command record (`commandRecord`); resolves once Kafka has it durably
 * (all in-sync replicas).
 */
export async function publishCommand(
  producer: MessageProducer,
  command: CommandToPublish,
  now: Date = new Date(),
): Promise<void> {
  await producer.send([commandRecord(command, now)]);
}
