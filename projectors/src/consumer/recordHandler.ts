import type { IncomingRecord, RecordHandler } from '@verograph/messaging';
import { continueTrace, traceHeaders, traceId } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import type { ProjectedEvent, StreamTopics } from '../events/projectedEvent.ts';
import { decodeEvent, eventName, InvalidEventError, streamOf } from '../events/projectedEvent.ts';
import type { Projector } from './projector.ts';
import { deadLetter } from './projector.ts';

/**
 * The thin adapter between the consumer runtime (`runConsumer`) and a projector: decodes the
 * record, attaches its trace context to the logger, calls the handler. A record that cannot be
 * decoded is dead-lettered; everything else is the projector's decision.
 */
export function recordHandlerFor(projector: Projector, topics: StreamTopics, logger: Logger): RecordHandler {
  const base = logger.child({ projector: projector.name });
  return async (record) => {
    const stream = streamOf(topics, record.topic);
    if (!stream || !projector.streams.includes(stream)) {
      return deadLetter('UNEXPECTED_TOPIC', `the ${projector.name} projector does not read ${record.topic}`);
    }
    if (!record.value) return deadLetter('EMPTY_RECORD', `a record on ${record.topic} has no value`);
    let projected: ProjectedEvent;
    try {
      projected = decodeEvent(stream, record.value);
    } catch (error) {
      if (error instanceof InvalidEventError) return deadLetter('UNDECODABLE', error.message);
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
    return projector.handle(projected, {
      log,
      traceHeaders: traceHeaders(trace),
      heartbeat: heartbeatOf(record),
    });
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
