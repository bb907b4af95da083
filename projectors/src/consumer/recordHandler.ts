import type { BatchHandler, HandlerOutcome, IncomingRecord, RecordHandler } from '@verograph/messaging';
import { continueTrace, traceHeaders, traceId } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import type { ProjectedEvent, StreamTopics } from '../events/projectedEvent.ts';
import { decodeEvent, eventName, InvalidEventError, streamOf } from '../events/projectedEvent.ts';
import type { DeliveryContext, Projector } from './projector.ts';
import { deadLetter } from './projector.ts';

/**
 * The thin adapter between the consumer runtime (`runConsumer`) and a projector: decodes the
 * record, attaches its trace context to the logger, calls the handler. A record that cannot be
 * decoded is dead-lettered; everything else is the projector's decision.
 */
export function recordHandlerFor(projector: Projector, topics: StreamTopics, logger: Logger): RecordHandler {
  const decode = decoderFor(projector, topics, logger);
  return async (record) => {
    const decoded = decode(record);
    if ('outcome' in decoded) return decoded.outcome;
    return projector.handle(decoded.projected, {
      log: decoded.log,
      traceHeaders: decoded.traceHeaders,
      heartbeat: heartbeatOf(record),
    });
  };
}

/**
 * The same adapter for a projector's `handleBatch`: the records that decode go to it together
 * (their logs and trace headers are the first record's: a batch is not one causal chain, and
 * nothing published comes out of a batch projector), the others are dead-lettered.
 */
export function batchHandlerFor(projector: Projector, topics: StreamTopics, logger: Logger): BatchHandler {
  const handleBatch = projector.handleBatch;
  if (!handleBatch) throw new Error(`the ${projector.name} projector handles no batches`);
  const decode = decoderFor(projector, topics, logger);
  return async (batch) => {
    const outcomes: HandlerOutcome[] = [];
    const valid: { index: number; projected: ProjectedEvent }[] = [];
    let context: DeliveryContext | undefined;
    for (const [index, record] of batch.records.entries()) {
      const decoded = decode(record);
      if ('outcome' in decoded) {
        outcomes[index] = decoded.outcome;
        continue;
      }
      valid.push({ index, projected: decoded.projected });
      context ??= { log: decoded.log, traceHeaders: decoded.traceHeaders, heartbeat: async () => {} };
    }
    if (context) {
      const answered = await handleBatch.call(
        projector,
        valid.map((v) => v.projected),
        context,
      );
      valid.forEach((v, i) => (outcomes[v.index] = answered[i]!));
    }
    return outcomes;
  };
}

type Decoded =
  | { readonly outcome: HandlerOutcome }
  | { readonly projected: ProjectedEvent; readonly log: Logger; readonly traceHeaders: Record<string, string> };

/** Decodes a record into the projector's event, with a logger and trace headers of its own. */
function decoderFor(projector: Projector, topics: StreamTopics, logger: Logger): (record: IncomingRecord) => Decoded {
  const base = logger.child({ projector: projector.name });
  return (record) => {
    const stream = streamOf(topics, record.topic);
    if (!stream || !projector.streams.includes(stream)) {
      return {
        outcome: deadLetter('UNEXPECTED_TOPIC', `the ${projector.name} projector does not read ${record.topic}`),
      };
    }
    if (!record.value) return { outcome: deadLetter('EMPTY_RECORD', `a record on ${record.topic} has no value`) };
    let projected: ProjectedEvent;
    try {
      projected = decodeEvent(stream, record.value);
    } catch (error) {
      if (error instanceof InvalidEventError) return { outcome: deadLetter('UNDECODABLE', error.message) };
      throw error;
    }
    const trace = traceOf(record, projected);
    const log = base.child({
      trace_id: traceId(trace),
      traceparent: trace.traceparent,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      event: eventName(projected),
      event_id: projected.event.envelope?.messageId,
      attempt: record.attempt,
    });
    if (projected.event.event.case === undefined) {
      // A kind of event newer than this build: the projection skips it; a rebuild after upgrading applies it.
      log.warn('an event of a kind this projector does not know was skipped');
    }
    return { projected, log, traceHeaders: traceHeaders(trace) };
  };
}

/** The Kafka headers' trace context, or the envelope's when a producer left the headers out. */
function traceOf(record: IncomingRecord, projected: ProjectedEvent) {
  if (record.headers.traceparent !== undefined) return record.trace;
  const envelope = projected.event.envelope;
  return envelope?.traceparent ? continueTrace(envelope.traceparent, envelope.tracestate || undefined) : record.trace;
}

/**
 * The runtime heartbeats between records; a record's handler cannot heartbeat yet (IncomingRecord
 * has no `heartbeat`). A fan-out at the push limit takes seconds, well inside the 30 s session,
 * and this picks up a `heartbeat` as soon as the runtime offers one on the record.
 */
function heartbeatOf(record: IncomingRecord): () => Promise<void> {
  const offered = (record as IncomingRecord & { heartbeat?: () => Promise<void> }).heartbeat;
  return typeof offered === 'function' ? offered : async () => {};
}
