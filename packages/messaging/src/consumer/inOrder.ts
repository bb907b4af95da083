import { performance } from 'node:perf_hooks';

import type { EachBatchPayload, KafkaMessage } from 'kafkajs';

import type { Attempted, Consumption, PartitionControl } from './consumption.ts';
import type { RecordHandler } from './types.ts';

/** One attempt (with its retries) at one record: handled, stop, or abandoned (the partition is no longer ours). */
export function attemptRecord(consumption: Consumption, handle: RecordHandler) {
  return async (
    topic: string,
    partition: number,
    message: KafkaMessage,
    control: PartitionControl,
  ): Promise<Attempted> => {
    const started = performance.now();
    return consumption.withRetries(topic, partition, message.offset, control, async (n) => {
      const record = consumption.recordOf(topic, partition, message, n);
      return consumption.conclude(record, await handle(record), started);
    });
  };
}

/** Strict partition order: one record at a time. */
export function consumeInOrder(consumption: Consumption, handle: RecordHandler) {
  const { halted, lag } = consumption;
  const attempt = attemptRecord(consumption, handle);
  return async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    for (const message of batch.messages) {
      // Returning without resolving leaves the record (and all after it) for the next owner
      // of the partition, or for this consumer after a restart: it is never skipped.
      if (halted() || !isRunning() || isStale()) return;
      const result = await attempt(batch.topic, batch.partition, message, payload);
      if (result === 'stop') return consumption.haltOnStop();
      if (result === 'abandoned') return;
      resolveOffset(message.offset);
      lag.processed(batch.topic, batch.partition, message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };
}
