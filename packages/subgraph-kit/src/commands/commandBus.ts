import { DomainError } from '@verograph/domain';
import type { MessageProducer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import type { MutationLimits } from './admission.ts';
import { createGate, isOverloaded, mutationLimitsFor, OverloadedError } from './admission.ts';
import { createCommandPublisher } from './commandPublisher.ts';
import type { OutcomeListener, OutcomeWait } from './outcomeListener.ts';
import type { OutcomeReader, RecordedOutcome } from './outcomes.ts';
import { awaitOutcome } from './outcomes.ts';
import type { CommandToPublish } from './publishCommand.ts';
import { commandFingerprint, commandRecord } from './publishCommand.ts';

/** What a mutation tells its client about the command it published. */
export interface CommandResult {
  readonly commandId: string;
  /** ACCEPTED: durably in Kafka, no answer yet; APPLIED or REJECTED: the writer's decision. */
  readonly status: 'ACCEPTED' | 'APPLIED' | 'REJECTED';
  readonly reason: { readonly code: string; readonly message: string } | null;
  readonly decidedAt: Date | undefined;
  /** True when the outcome was already recorded and nothing was published again. */
  readonly replayed: boolean;
}

/** The viewer's rights over a command, checked against the read model. */
export interface CommandRights {
  /**
   * Read-side rights: may the viewer see the command's target NOW (e.g. the post they love)?
   * It runs on every dispatch, a resend answered from the record included, and throws what
   * a missing target throws: a viewer who has lost sight of a post since they first sent the
   * command learns nothing about it, not even that their old command was applied.
   */
  readonly sees?: () => Promise<void>;
  /**
   * Write-side rights (e.g. not loved yet); runs only when the command is new: a resend of a
   * decided command is answered from the record even if the read model has since moved on
   * (the username it claimed is now taken by its sender, the post is now loved).
   */
  readonly check?: () => Promise<void>;
}

/** When the mutation's request started, as the bus counts its budgets. */
export interface DispatchTiming {
  /**
   * When the gateway sent the request (`ViewerRequest.sentAt`), epoch ms; now when absent. The
   * publish budget and the wait count from it, so a request that queued before this process
   * read it (a starved event loop) is refused, not published late.
   */
  readonly sentAt?: number;
}

/** Publishes a mutation's one command and waits a little for the writer to decide it. */
export interface CommandBus {
  dispatch(command: CommandToPublish, rights?: CommandRights, timing?: DispatchTiming): Promise<CommandResult>;
  /** How long `dispatch` waits for an outcome, in milliseconds. */
  readonly waitMs: number;
}

export interface CommandBusOptions {
  /** A `CommandChannel` (see `commandChannel`) brings its outcome listener along. */
  readonly producer: MessageProducer & { readonly outcomes?: OutcomeListener };
  /** The decision log: read for a resend, and once at the deadline of a wait that heard nothing. */
  readonly outcomes: OutcomeReader;
  /**
   * Hears outcomes from Kafka, so that a waiting mutation reads nothing; defaults to the
   * producer's. Without one (or while it is not listening) the decision log is polled.
   */
  readonly listener?: OutcomeListener;
  /** MUTATION_WAIT_MS: how long a mutation waits for the writer; 0 answers ACCEPTED at once. */
  readonly waitMs: number;
  /**
   * How long Kafka may take to acknowledge the command before the mutation answers
   * STORE_UNAVAILABLE (retryable). Defaults to 2 500 ms: with the default 2 s wait, a mutation
   * answers within the gateway's default 5 s subgraph timeout even while the broker is away,
   * where kafkajs alone would retry for seconds more.
   */
  readonly publishTimeoutMs?: number;
  /** Admission control (`readMutationLimits`); `mutationLimitsFor(waitMs)` when absent. */
  readonly limits?: MutationLimits;
  readonly metrics?: Registry;
  readonly logger?: Logger;
}

/**
 * The mutation path of every subgraph. A command whose outcome is already recorded (a resend
 * with the same idempotency key) is answered from the record without publishing again;
 * otherwise it is published once and its outcome awaited until the mutation's deadline
 * (`waitMs` after it arrived): heard from the outcome listener (the decision log is read once
 * more at the deadline, in case the outcome was published while the listener was not yet or no
 * longer reading), else polled in the log.
 *
 * Admission control (see `MutationLimits`): at most `maxPending` mutations are checked and
 * published at once, the next is refused at once with OVERLOADED before it reads anything;
 * concurrent mutations' commands go to Kafka together (`createCommandPublisher`), and one that
 * cannot get its turn within `publishBudgetMs` is withdrawn unsent and refused the same way.
 * A published command's mutation answers APPLIED, REJECTED or, at its deadline (or earlier
 * when `maxWaiting` mutations already wait), ACCEPTED.
 */
export function createCommandBus(options: CommandBusOptions): CommandBus {
  const { producer, outcomes, waitMs, metrics, logger } = options;
  const limits = options.limits ?? mutationLimitsFor(waitMs);
  const publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const listener = options.listener ?? producer.outcomes;
  const gate = createGate(limits.maxPending);
  const publisher = createCommandPublisher({
    producer,
    maxBatch: limits.publishBatch,
    budgetMs: limits.publishBudgetMs,
    retryAfterMs: limits.retryAfterMs,
    unavailable: () => new CommandPublishTimeoutError('(queued)', limits.publishBudgetMs),
  });
  const registers = metrics ? [metrics] : [];
  const published = new Counter({
    name: 'subgraph_commands_published_total',
    help: 'Commands published to Kafka by mutations, by topic.',
    labelNames: ['topic'],
    registers,
  });
  const answered = new Counter({
    name: 'subgraph_command_results_total',
    help: 'Mutation answers by command status (ACCEPTED means the writer had not decided within the wait).',
    labelNames: ['status', 'replayed'],
    registers,
  });
  const refused = new Counter({
    name: 'subgraph_mutations_overloaded_total',
    help: 'Mutations refused with OVERLOADED, nothing published: by why (pending: too many at once; late: the publish budget, counted from the gateway sending the request, ran out before the publish; publish: no turn in the producer within the budget).',
    labelNames: ['stage'],
    registers,
  });
  new Gauge({
    name: 'subgraph_mutations_pending',
    help: 'Mutations being checked or queued for Kafka (bounded by MUTATION_MAX_PENDING).',
    registers,
    collect() {
      this.set(gate.inside);
    },
  });
  const waited = new Histogram({
    name: 'subgraph_command_outcome_wait_seconds',
    help: 'Time from publishing a command to reading its outcome (or giving up).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers,
  });

  /** Until the command is in Kafka: the rights, a resend's record, the publish. Bounded by the gate. */
  const admit = async (
    command: CommandToPublish,
    rights: CommandRights,
    publishBy: number,
  ): Promise<{ recorded: RecordedOutcome } | { wait: OutcomeWait | undefined }> => {
    const late = () => {
      if (Date.now() < publishBy) return;
      refused.inc({ stage: 'late' });
      throw new OverloadedError(limits.retryAfterMs);
    };
    late();
    const release = gate.tryEnter();
    if (!release) {
      refused.inc({ stage: 'pending' });
      throw new OverloadedError(limits.retryAfterMs);
    }
    let wait: OutcomeWait | undefined;
    try {
      await rights.sees?.();
      const recorded = command.resendable === false ? undefined : await outcomes.find(command.commandId);
      if (recorded) return { recorded };
      await rights.check?.();
      // Checked again: the reads may have taken the rest of the budget.
      late();
      // The wait is made before the command leaves, so an outcome that comes back at once is heard.
      wait = waitMs > 0 && listener?.isListening() ? listener.expect(command.commandId) : undefined;
      await withinDeadline(
        publisher.publish(commandRecord(command), publishBy - Date.now()),
        publishTimeoutMs,
        command,
        logger,
      );
      return { wait };
    } catch (error) {
      wait?.cancel();
      if (isOverloaded(error)) refused.inc({ stage: 'publish' });
      throw error;
    } finally {
      release();
    }
  };

  return {
    waitMs,
    async dispatch(command, rights = {}, timing = {}) {
      // A clock a little behind the gateway's must not lengthen the budgets.
      const sentAt = Math.min(timing.sentAt ?? Date.now(), Date.now());
      const deadline = sentAt + waitMs;
      const admitted = await admit(command, rights, sentAt + limits.publishBudgetMs);
      if ('recorded' in admitted) {
        refuseReusedKey(admitted.recorded, command);
        answered.inc({ status: admitted.recorded.status, replayed: 'true' });
        return { ...admitted.recorded, replayed: true };
      }
      const { wait } = admitted;
      published.inc({ topic: command.topic });
      const stop = waited.startTimer();
      // The command is durably in Kafka and will be decided: an outcome store that fails now
      // must not turn that into an error, which would invite the client to send it again.
      const unreadable = (error: unknown): undefined => {
        logger?.warn({ err: error, commandId: command.commandId }, 'outcome unreadable; answering ACCEPTED');
        return undefined;
      };
      let outcome: RecordedOutcome | undefined;
      if (wait) {
        outcome = await wait.until(deadline);
        // Released before the deadline (more mutations wait than MUTATION_MAX_WAITING): ACCEPTED
        // without a read. At the deadline, the log is read once, for an outcome the listener missed.
        if (!outcome && Date.now() >= deadline) {
          outcome = await outcomes.find(command.commandId).catch(unreadable);
        }
      } else if (waitMs > 0) {
        outcome = await awaitOutcome(outcomes, command.commandId, { waitMs: Math.max(0, deadline - Date.now()) }).catch(
          unreadable,
        );
      }
      stop();
      if (!outcome) {
        answered.inc({ status: 'ACCEPTED', replayed: 'false' });
        logger?.debug({ commandId: command.commandId, topic: command.topic }, 'command accepted, no outcome yet');
        return {
          commandId: command.commandId,
          status: 'ACCEPTED',
          reason: null,
          decidedAt: undefined,
          replayed: false,
        };
      }
      // Another request under this command id (the key reused while the first was undecided)
      // was decided instead of this one.
      refuseReusedKey(outcome, command);
      answered.inc({ status: outcome.status, replayed: 'false' });
      return { ...outcome, replayed: false };
    },
  };
}

/**
 * A recorded command with the same id is a resend only if it asked the same: the same key
 * sent with another payload is refused (as the IETF Idempotency-Key draft answers 422), not
 * answered with the first request's outcome. Rows recorded without a fingerprint are trusted.
 */
function refuseReusedKey(recorded: RecordedOutcome, command: CommandToPublish): void {
  if (recorded.fingerprint === undefined || recorded.fingerprint === commandFingerprint(command)) return;
  throw new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'This idempotency key (clientMutationId or Idempotency-Key) was used for a different request; use a new key.',
  );
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 2_500;

/**
 * Kafka did not acknowledge a command in time. Its code is the socket timeout's, so the error
 * model answers STORE_UNAVAILABLE: the client resends with its idempotency key, and should the
 * first copy still reach Kafka, the writer decides the command once and answers both copies.
 */
export class CommandPublishTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(commandId: string, timeoutMs: number) {
    super(`Kafka did not acknowledge command ${commandId} within ${timeoutMs} ms`);
    this.name = 'CommandPublishTimeoutError';
  }
}

async function withinDeadline(
  publishing: Promise<void>,
  timeoutMs: number,
  command: CommandToPublish,
  logger: Logger | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandPublishTimeoutError(command.commandId, timeoutMs)), timeoutMs);
  });
  try {
    await Promise.race([publishing, deadline]);
  } finally {
    clearTimeout(timer);
    // The producer keeps retrying after the deadline; how that ends is only worth a log line.
    publishing.catch((error: unknown) =>
      logger?.debug({ err: error, commandId: command.commandId }, 'command publish failed after its deadline'),
    );
  }
}

/** The fields every mutation payload shares. */
export interface PayloadBase {
  readonly commandId: string;
  readonly status: CommandResult['status'];
  readonly reason: CommandResult['reason'];
  readonly clientMutationId: string | null;
}

export function payloadBase(result: CommandResult, clientMutationId: string | null | undefined): PayloadBase {
  return {
    commandId: result.commandId,
    status: result.status,
    reason: result.reason,
    clientMutationId: clientMutationId ?? null,
  };
}
