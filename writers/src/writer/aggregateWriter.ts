import type { Decision, DecisionContext } from './decision.ts';

/** A command's metadata, from its envelope. */
export interface CommandMeta {
  readonly commandId: string;
  /** The aggregate the command was published for; it is also the record key. */
  readonly aggregateId: string;
  readonly actorId: string;
  /** Published by a trusted bulk loader (the envelope's bulk_load): no flood guard. */
  readonly bulkLoad?: boolean;
}

/** A decoded command, or why the record is poison (it goes to the dead-letter topic). */
export type Decoded<C> =
  | { readonly ok: true; readonly meta: CommandMeta; readonly command: C }
  | { readonly ok: false; readonly code: PoisonCode; readonly reason: string };

/** Why a record cannot be handled at all, as opposed to a command the domain refuses. */
export type PoisonCode = 'EMPTY_RECORD' | 'UNDECODABLE' | 'MISSING_ENVELOPE' | 'UNKNOWN_COMMAND' | 'AGGREGATE_MISMATCH';

/** What every event's envelope carries. */
export interface EventEnvelope {
  readonly messageId: string;
  readonly commandId: string;
  readonly aggregateId: string;
  readonly occurredAt: Date;
  readonly actorId: string;
  readonly traceparent: string;
  readonly tracestate: string;
}

/** A decided event with its envelope, as recorded in the decision log and published. */
export interface RecordedEvent<E> {
  readonly event: E;
  readonly envelope: EventEnvelope;
}

/**
 * One aggregate's writer: the pure decision in the middle, its adapters around it. The
 * batch handler runs them in the crash-safe order (see batchHandler.ts).
 */
export interface AggregateWriter<C, E, S> {
  /** `users`, `posts` or `collections`: names the metrics, logs and consumer group. */
  readonly aggregate: string;
  decode(bytes: Uint8Array): Decoded<C>;
  /** The aggregate the command belongs to, by its own fields (e.g. the follower for Follow). */
  aggregateIdOf(command: C): string;
  /** Reads what `decide` needs to know from the system of record. */
  load(command: C, meta: CommandMeta): Promise<S>;
  decide(command: C, state: S, context: DecisionContext): Decision<E>;
  /**
   * What `command` would read once `event` is written, from what it read before: pure, so an
   * aggregate's commands of one batch are decided in memory, each against the state its
   * predecessors left, from states all read at the start of the batch. Events carry absolute
   * values, so evolving a state that already holds an event leaves it as it is (a replay).
   */
  evolve(state: S, command: C, event: E): S;
  /**
   * Takes what must be unique across aggregates (a username) before the decision is
   * recorded. Answers `undefined` when every claim holds, or the state as it turned out to
   * be when one was lost to another aggregate, so the command is decided again against it.
   */
  reserve?(command: C, events: readonly E[], state: S, meta: CommandMeta): Promise<S | undefined>;
  encodeEvent(event: RecordedEvent<E>): Uint8Array;
  decodeEvent(bytes: Uint8Array): RecordedEvent<E>;
  /**
   * Writes the events' effects on the system of record as idempotent upserts, safe to repeat,
   * in as few requests as it can: a later event wins over an earlier one on the same row.
   */
  apply(events: readonly RecordedEvent<E>[]): Promise<void>;
  /**
   * Drops whatever the writer keeps in memory about its aggregates. Called when the partitions
   * this instance owns may have changed hands (another writer may have written them since),
   * and when a batch failed midway.
   */
  forget?(): void;
}
