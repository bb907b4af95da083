import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

import { backoffDelay, type BackoffPolicy } from '../backoff.ts';
import type { ConsumerMetrics } from '../consumerMetrics.ts';
import type { LagTracker } from '../consumerLag.ts';
import type { DeadLetterPublisher } from '../deadLetter.ts';
import { traceFromHeaders } from '../trace.ts';
import { PartitionFencedError, type ConsumerStopped, type HandlerOutcome, type IncomingRecord } from './types.ts';

/** What became of an attempt at a record or batch. */
export type Attempted = 'handled' | 'stop' | 'abandoned';

/** The calls a strategy makes on the batch kafkajs handed over, for retries and fencing. */
export type PartitionControl = Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>;

/** What the consumer shares with its strategies: its state, its metrics and its policies. */
export interface ConsumptionDeps {
  readonly groupId: string;
  readonly log: Logger;
  readonly metrics: ConsumerMetrics;
  readonly lag: LagTracker;
  readonly deadLetters: DeadLetterPublisher;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Cut short by the consumer's shutdown: waits end at once. */
  readonly abort: AbortSignal;
  /** True once the consumer must not touch another record: stop requested, or a handler said stop. */
  halted(): boolean;
  /** When the coordinator last acknowledged this member. */
  lastHeartbeatAt(): number;
  /** A handler answered `stop`: the consumer stops for good, with this reason. */
  stopFor(why: ConsumerStopped): void;
  /** The consumer stops once the batch in hand returns (a `stop` was answered). */
  haltOnStop(): void;
}

/**
 * The policies every consumption strategy shares: turning kafkajs messages into records,
 * accounting for outcomes (dead letters included), retrying with backoff while heartbeating,
 * and the partition lease that fences a batch handler's writes.
 */
export interface Consumption extends ConsumptionDeps {
  recordOf(topic: string, partition: number, message: KafkaMessage, attempt: number): IncomingRecord;
  /** Counts a record's outcome, dead-letters a poison record; 'stop' when the handler asked to. */
  conclude(record: IncomingRecord, outcome: HandlerOutcome, started: number): Promise<Attempted>;
  /** Runs `once` until it succeeds, retrying with backoff (and heartbeats) while the partition is ours. */
  withRetries<T>(
    topic: string,
    partition: number,
    offset: string,
    control: PartitionControl,
    once: (attempt: number) => Promise<T>,
  ): Promise<T | 'abandoned'>;
}

export function createConsumption(deps: ConsumptionDeps): Consumption {
  const { groupId, log, metrics, deadLetters, backoff, random, heartbeatIntervalMs } = deps;

  /** Waits `ms`, heartbeating, unless `keepWaiting` turns false. False when the wait was cut short. */
  const waitWithHeartbeats = async (ms: number, heartbeat: () => Promise<void>, keepWaiting: () => boolean) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!keepWaiting()) return false;
      try {
        await sleep(Math.min(until - Date.now(), heartbeatIntervalMs), undefined, { signal: deps.abort });
      } catch {
        return false;
      }
      // Throws when the group is rebalancing: the batch is left, unresolved, so the record
      // is retried by whichever member owns the partition next.
      await heartbeat();
    }
    return keepWaiting();
  };

  return {
    ...deps,
    recordOf: (topic, partition, message, attempt) => ({
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
      trace: traceFromHeaders(message.headers ?? {}),
      attempt,
    }),

    async conclude(record, outcome, started) {
      const { topic, partition, offset } = record;
      const labels = { group: groupId, topic };
      switch (outcome.kind) {
        case 'done':
          if (outcome.rejection) metrics.rejected.inc({ ...labels, code: outcome.rejection.code });
          break;
        case 'dead-letter':
          await deadLetters.publish(record, groupId, { code: outcome.code, reason: outcome.reason });
          metrics.deadLettered.inc({ ...labels, code: outcome.code });
          log.warn(
            { topic, partition, offset, code: outcome.code, reason: outcome.reason },
            'poison record sent to the dead-letter topic',
          );
          break;
        case 'stop':
          log.error(
            { topic, partition, offset, reason: outcome.reason },
            'handler asked to stop; the record stays uncommitted',
          );
          deps.stopFor({ reason: 'handler', message: outcome.reason, topic, partition, offset });
          return 'stop';
        default: {
          const unknown: never = outcome;
          throw new Error(`unknown handler outcome ${JSON.stringify(unknown)}`);
        }
      }
      metrics.processed.inc(labels);
      metrics.processingSeconds.observe(labels, (performance.now() - started) / 1000);
      return 'handled';
    },

    async withRetries(topic, partition, offset, control, once) {
      const keepGoing = () => !deps.halted() && control.isRunning() && !control.isStale();
      for (let n = 1; ; n++) {
        try {
          return await once(n);
        } catch (error) {
          if (!keepGoing() || error instanceof PartitionFencedError) return 'abandoned';
          const delayMs = backoffDelay(backoff, n, random);
          metrics.retries.inc({ group: groupId, topic });
          log.warn(
            { err: error, topic, partition, offset, attempt: n, delayMs },
            'handling failed; retrying the same record after a backoff',
          );
          if (!(await waitWithHeartbeats(delayMs, control.heartbeat, keepGoing))) return 'abandoned';
        }
      }
    },
  };
}
