import type { IHeaders, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { BackoffPolicy } from '../backoff.ts';
import type { TraceContext } from '../trace.ts';

/** One consumed record, as a handler sees it. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** The producer's timestamp, in milliseconds since the epoch, as Kafka gives it. */
  readonly timestamp: string;
  /** The record's W3C trace context (from its `traceparent` header), continued as a child span. */
  readonly trace: TraceContext;
  /** 1 on the first attempt; more when earlier attempts threw and were retried. */
  readonly attempt: number;
}

/**
 * What became of a record. A handler says so explicitly; a handler that throws is taken to
 * have met a transient failure (an engine down) and is called again with the same record.
 * - `done`: handled; the offset may be committed. `rejection` marks a command the domain
 *   refused (counted in `messages_rejected_total`): refusing is a normal way to handle one.
 * - `dead-letter`: a poison record (undecodable, of an unknown type, breaking the contract):
 *   it goes to the dead-letter topic with its reason, and the partition moves on.
 * - `stop`: something is wrong that retrying cannot fix and skipping must not hide; the
 *   consumer stops without committing the record, and `stopped` says why.
 */
export type HandlerOutcome =
  | { readonly kind: 'done'; readonly rejection?: { readonly code: string } }
  | { readonly kind: 'dead-letter'; readonly reason: string; readonly code: string }
  | { readonly kind: 'stop'; readonly reason: string };

export type RecordHandler = (record: IncomingRecord) => Promise<HandlerOutcome>;

/** Thrown by `IncomingBatch.assertOwned` when this member may no longer own the partition. */
export class PartitionFencedError extends Error {
  readonly code = 'PARTITION_FENCED';
  constructor(reason: string) {
    super(`this consumer may no longer own the partition: ${reason}`);
    this.name = 'PartitionFencedError';
  }
}

/** Consecutive records of one partition, handed to a `BatchHandler` together. */
export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  /** In partition order; every record carries the same `attempt`. */
  readonly records: readonly IncomingRecord[];
  /**
   * Resolves while this member still owns the partition, and throws `PartitionFencedError`
   * once it may not: the consumer is stopping, the group is rebalancing, or no heartbeat has
   * been acknowledged within half the session timeout (the coordinator could have handed the
   * partition to another member). A handler calls it right before each write it makes.
   */
  assertOwned(): Promise<void>;
}

/**
 * Handles a batch of one partition's records at once, answering one outcome per record, in
 * the same order. A handler that throws is retried with the whole batch (it must be
 * idempotent, as a record handler must be). Records after a `stop` are not committed.
 */
export type BatchHandler = (batch: IncomingBatch) => Promise<readonly HandlerOutcome[]>;

export interface ConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** One record at a time; exactly one of `handle` and `handleBatch` is given. */
  readonly handle?: RecordHandler;
  /** Whole fetched batches of a partition, at most `maxBatchRecords` records at once. */
  readonly handleBatch?: BatchHandler;
  /** With `handleBatch`: the most records handed over at once. Defaults to 500. */
  readonly maxBatchRecords?: number;
  /**
   * How long the broker may hold a fetch while it has less than `minBytes` to answer. Records
   * that arrive end the wait at once (`minBytes` is 1), so this only bounds idle polls and
   * how soon a new assignment is fetched. Defaults to 500 ms (kafkajs: 5 000).
   */
  readonly maxWaitTimeInMs?: number;
  /** Called whenever this member (re)joins its group: what it owned before may have moved. */
  readonly onAssignment?: () => void;
  /**
   * Called when a fetched batch is done with: its partition, its last offset, and how many records
   * of it went to the handler. A batch of only control records (a transaction's commit or abort
   * marker) or aborted records gives 0: it moves the partition past offsets no handler sees, so
   * whoever waits for a log end on a transactional topic learns here that it was reached.
   */
  readonly onBatchDone?: (batch: { topic: string; partition: number; lastOffset: string; records: number }) => void;
  readonly logger: Logger;
  /** Where the consumer's metrics go; several consumers may share one registry. */
  readonly metrics: Registry;
  /** Defaults to `deadletter`. */
  readonly deadLetterTopic?: string;
  /** Where a group with no committed offset starts. Defaults to the beginning: no command is skipped. */
  readonly fromBeginning?: boolean;
  readonly backoff?: BackoffPolicy;
  /** Partitions handled at once (order is kept within each). Defaults to 1. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Keys handled at once within a partition. 1 (the default) keeps the partition's order;
   * more keeps only each key's order, for handlers whose ordering unit is the key (a
   * writer's aggregate), and lets one slow or retrying key not hold up the others.
   */
  readonly keysConsumedConcurrently?: number;
  /** Handled offsets are committed at least this often, and at the end of every batch. Defaults to 1000. */
  readonly commitIntervalMs?: number;
  /** Defaults to `DEFAULT_SESSION_TIMEOUT_MS`. */
  readonly sessionTimeoutMs?: number;
  /** Defaults to `defaultHeartbeatIntervalMs(sessionTimeoutMs)`. */
  readonly heartbeatIntervalMs?: number;
  /** How often log ends and committed offsets are read for `consumer_lag`; 0 turns it off. Defaults to 10 000. */
  readonly lagRefreshMs?: number;
  /** Source of jitter; tests pin it. */
  readonly random?: () => number;
}

/**
 * How long the group waits for a member that stopped heartbeating. A member killed with
 * `kill -9` cannot leave its group, so until this passes its partitions are not consumed, and
 * a member that (re)joins meanwhile holds the whole group in a rebalance that waits for the
 * dead one (resilience/serviceKills: 29–37 s to ready, the live feed still for 25 s, at 30 s).
 * kafkajs 2.2.4 has no static membership (`group.instance.id`) to skip that wait, so the
 * timeout is kept short: 10 s; the broker's minimum is 6 s.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/**
 * How often a member heartbeats: 500 ms, or a sixth of the session when that is shorter.
 * A member hears that its group is rebalancing only from a heartbeat's answer, and the
 * coordinator holds every member's join until each has heard it: a restarted consumer was
 * ready only a heartbeat interval after its twin noticed (3 s at the writers' 30 s session,
 * resilience/serviceKills). Several heartbeats also fit in half a session, the lease a batch
 * handler's writes rely on. A heartbeat is one small request per member.
 */
export function defaultHeartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.min(500, Math.floor(sessionTimeoutMs / 6));
}

/** Why a consumer stopped for good. */
export type ConsumerStopped =
  | { readonly reason: 'requested' }
  | {
      readonly reason: 'handler';
      readonly message: string;
      readonly topic: string;
      readonly partition: number;
      readonly offset: string;
    }
  | { readonly reason: 'crashed'; readonly error: Error };

export interface RunningConsumer {
  readonly groupId: string;
  /** True once the group has given this member its partitions, until the consumer stops. */
  isReady(): boolean;
  /** Settles once, when the consumer has stopped for good; the composition root exits on it. */
  readonly stopped: Promise<ConsumerStopped>;
  /** Finishes the record in hand (or abandons its retries), commits what was handled, leaves the group. */
  stop(): Promise<void>;
}
