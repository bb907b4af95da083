import type { HandlerOutcome } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import { InvalidEventError, type ProjectedEvent, type Stream } from '../events/projectedEvent.ts';

export type { HandlerOutcome };

export const done: HandlerOutcome = { kind: 'done' };

export function deadLetter(code: string, reason: string): HandlerOutcome {
  return { kind: 'dead-letter', code, reason };
}

/** What a handler knows about the record it is handling, besides the event. */
export interface DeliveryContext {
  /** A logger that carries the record's trace id, topic, partition, offset and event id. */
  readonly log: Logger;
  /** The W3C trace headers to put on anything published because of this record. */
  readonly traceHeaders: Readonly<Record<string, string>>;
  /** Keeps the consumer's group membership alive during a long handler (a big fan-out). */
  heartbeat(): Promise<void>;
}

export type ProjectorName = 'feeds' | 'search' | 'collections' | 'counters' | 'live' | 'notifications';
export const projectorNames: readonly ProjectorName[] = [
  'feeds',
  'search',
  'collections',
  'counters',
  'live',
  'notifications',
];

/**
 * A projector: its own consumer group (so a slow one lags alone), the streams it reads, and a
 * pure-ish handler `(event, context) => outcome` over decoded events; Kafka stays in the adapter.
 */
export interface Projector {
  readonly name: ProjectorName;
  readonly groupId: string;
  readonly streams: readonly Stream[];
  /**
   * True when every order the projector needs is within one key (one aggregate's events): then
   * several keys of a partition are handled at once (PROJECTORS_KEYS_CONCURRENTLY). A projector
   * that reads what another aggregate's event wrote, or counts across keys, leaves it unset and
   * keeps the partition's order.
   */
  readonly keyOrderSuffices?: boolean;
  handle(event: ProjectedEvent, context: DeliveryContext): Promise<HandlerOutcome>;
  /**
   * A partition's batch of events at once, one outcome each in the same order, for a projector
   * whose read model does not depend on the order of the events across keys and that saves
   * round trips by doing them together (the counters recount each user once per batch). Live
   * consumption uses it when present; `handle` stays the way to apply one event (rebuilds, specs).
   */
  handleBatch?(events: readonly ProjectedEvent[], context: DeliveryContext): Promise<readonly HandlerOutcome[]>;
}

/**
 * Runs a handler body and turns a malformed event into a dead-letter outcome. Other errors
 * propagate, so the runtime retries them with backoff; every write a projector makes is
 * idempotent, so a retried event never applies twice.
 */
export async function applying(body: () => Promise<void>): Promise<HandlerOutcome> {
  try {
    await body();
    return done;
  } catch (error) {
    if (error instanceof InvalidEventError) return deadLetter(error.code, error.message);
    throw error;
  }
}

/** A context for code that calls handlers outside a consumer (rebuilds, specs). */
export function quietContext(log: Logger): DeliveryContext {
  return { log, traceHeaders: {}, heartbeat: async () => {} };
}
