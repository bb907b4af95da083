import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';

import { OverloadedError } from './admission.ts';

/**
 * Sends the commands of concurrent mutations to Kafka together: one produce request in flight,
 * and every command that arrives meanwhile goes in the next one (the idempotent producer allows
 * one request in flight per broker anyway, so one request per command would queue them one
 * behind the other). A command that waits for its turn longer than its budget is withdrawn,
 * never sent, and its mutation refused with a retryable error.
 */
export interface CommandPublisher {
  /**
   * Resolves once Kafka holds the record. Rejects, the record unsent, with `OverloadedError`
   * when it waited its whole budget behind requests that Kafka did answer (more commands than
   * can be sent), or with `unavailable()` when the request in flight when it queued was still
   * unanswered (Kafka is away or not acknowledging). A record that was sent and failed rejects
   * with the producer's error.
   */
  publish(record: OutgoingRecord, budgetMs?: number): Promise<void>;
  /** Records waiting for their turn. */
  readonly queued: number;
}

export interface CommandPublisherOptions {
  readonly producer: MessageProducer;
  /** The most records in one request. */
  readonly maxBatch: number;
  /** How long a record may wait for its turn, in milliseconds, unless `publish` is given less. */
  readonly budgetMs: number;
  /** The hint an `OverloadedError` carries. */
  readonly retryAfterMs: number;
  /** The error for a record withdrawn while Kafka was not answering. */
  readonly unavailable: () => Error;
  readonly now?: () => number;
}

interface Queued {
  readonly record: OutgoingRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly queuedAt: number;
  timer: NodeJS.Timeout | undefined;
  withdrawn: boolean;
}

/** A produce request unanswered this long, since before a record queued, means Kafka is not answering. */
const UNANSWERED_MS = 250;

export function createCommandPublisher(options: CommandPublisherOptions): CommandPublisher {
  const { producer, maxBatch, budgetMs, retryAfterMs } = options;
  const now = options.now ?? Date.now;
  let queue: Queued[] = [];
  let sendingSince: number | undefined;

  const withdraw = (item: Queued) => {
    item.withdrawn = true;
    queue = queue.filter((q) => q !== item);
    // The same request in flight all the while the record queued (and for a while) means Kafka
    // is not answering, not that there is too much to send: the mutation then says the store is
    // unavailable, as a send that Kafka does not acknowledge would.
    const stuck = sendingSince !== undefined && sendingSince <= item.queuedAt && now() - sendingSince >= UNANSWERED_MS;
    item.reject(stuck ? options.unavailable() : new OverloadedError(retryAfterMs));
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      for (const item of batch) clearTimeout(item.timer);
      sendingSince = now();
      try {
        await producer.send(batch.map((item) => item.record));
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      } finally {
        sendingSince = undefined;
      }
    }
  };

  return {
    get queued() {
      return queue.length;
    },
    publish(record, budget = budgetMs) {
      return new Promise<void>((resolve, reject) => {
        const item: Queued = { record, resolve, reject, queuedAt: now(), timer: undefined, withdrawn: false };
        queue.push(item);
        if (sendingSince === undefined && queue.length === 1) {
          void drain();
          return;
        }
        item.timer = setTimeout(
          () => {
            if (!item.withdrawn && queue.includes(item)) withdraw(item);
          },
          Math.max(0, budget),
        );
      });
    },
  };
}
