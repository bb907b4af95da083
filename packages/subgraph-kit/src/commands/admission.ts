import { DomainError } from '@verograph/domain';
import type { EnvReader } from '@verograph/service';

/**
 * More mutations arrived than this process can publish in time: nothing was published, so the
 * client may simply send the mutation again after `retryAfterMs` (with its idempotency key, it
 * stays one command whatever happens). Answered at once, never after a wait: a refusal that
 * takes seconds would itself be the overload's queue.
 */
export class OverloadedError extends DomainError {
  readonly retryable = true;
  constructor(
    readonly retryAfterMs: number,
    message = 'The service is taking more mutations than it can publish right now; nothing was sent. Try again shortly.',
  ) {
    super('OVERLOADED', message);
    // An expected answer, made by the thousand in a spike: no stack. Formatting one
    // (source-mapped under tsx) cost the posts subgraph ~8% of its CPU at 200 mutations/s. An
    // assignment drops the captured stack unformatted (redefining the property made V8 format
    // it first); empty, because graphql-js copies a non-empty `stack` of the error it wraps
    // onto its GraphQLError by redefining the property, which formats that one's.
    this.stack = '';
  }
}

/** True for an `OverloadedError`, also one made by another copy of this module. */
export function isOverloaded(error: unknown): error is OverloadedError {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'OVERLOADED' &&
    typeof (error as { retryAfterMs?: unknown }).retryAfterMs === 'number'
  );
}

/**
 * How much mutation work one subgraph process takes on at once. Each bound has a reason:
 * `maxPending` bounds the reads and the memory of mutations not yet published (beyond it a
 * mutation is refused before it reads anything); `publishBudgetMs` bounds the time from the
 * gateway sending the request to the command being in Kafka (a request that waited for a
 * starved event loop, rights reads that took too long, a turn in the producer that did not come:
 * past it, the command is not published and the mutation is refused);
 * `maxWaiting` bounds the published mutations held while they wait for their outcome (past it,
 * the longest waiting answers ACCEPTED at once: its command is in Kafka and will be decided).
 */
export interface MutationLimits {
  /** MUTATION_MAX_PENDING: mutations being checked or queued for Kafka at once. */
  readonly maxPending: number;
  /**
   * MUTATION_PUBLISH_BUDGET_MS: from the gateway sending the request to its command being in
   * Kafka; a mutation that cannot make it is refused unpublished.
   */
  readonly publishBudgetMs: number;
  /** MUTATION_MAX_WAITING: published mutations waiting for their outcome at once. */
  readonly maxWaiting: number;
  /** MUTATION_PUBLISH_BATCH: the most commands sent to Kafka in one request. */
  readonly publishBatch: number;
  /** MUTATION_RETRY_AFTER_MS: the retry hint an OVERLOADED answer carries. */
  readonly retryAfterMs: number;
}

export const defaultMutationLimits: MutationLimits = {
  maxPending: 256,
  publishBudgetMs: 1_000,
  maxWaiting: 2_000,
  publishBatch: 500,
  retryAfterMs: 1_000,
};

/**
 * The limits for a bus whose mutations wait `waitMs`: the defaults above, with a publish budget
 * of the whole wait (at least 1 s), so a command is refused only when it could not be in Kafka
 * before its mutation's wait would have ended anyway.
 */
export function mutationLimitsFor(waitMs: number): MutationLimits {
  return { ...defaultMutationLimits, publishBudgetMs: Math.max(waitMs, defaultMutationLimits.publishBudgetMs) };
}

/** Reads the mutation limits (see `MutationLimits`); defaults: `mutationLimitsFor(waitMs)`. */
export function readMutationLimits(env: EnvReader, waitMs: number): MutationLimits {
  const d = mutationLimitsFor(waitMs);
  return {
    maxPending: env.int('MUTATION_MAX_PENDING', d.maxPending, { min: 1 }),
    publishBudgetMs: env.int('MUTATION_PUBLISH_BUDGET_MS', d.publishBudgetMs, { min: 1, max: 60_000 }),
    maxWaiting: env.int('MUTATION_MAX_WAITING', d.maxWaiting, { min: 1 }),
    publishBatch: env.int('MUTATION_PUBLISH_BATCH', d.publishBatch, { min: 1, max: 10_000 }),
    retryAfterMs: env.int('MUTATION_RETRY_AFTER_MS', d.retryAfterMs, { min: 0, max: 60_000 }),
  };
}

/** A counting gate: at most `limit` holders at once, the next one refused (not queued). */
export interface Gate {
  /** A release function, or undefined when the gate is full. Release is idempotent. */
  tryEnter(): (() => void) | undefined;
  readonly inside: number;
  readonly limit: number;
}

export function createGate(limit: number): Gate {
  let inside = 0;
  return {
    limit,
    get inside() {
      return inside;
    },
    tryEnter() {
      if (inside >= limit) return undefined;
      inside++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inside--;
      };
    },
  };
}
