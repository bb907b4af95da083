import { performance } from 'node:perf_hooks';

import type { EachBatchPayload } from 'kafkajs';

import type { Consumption } from './consumption.ts';
import { partitionLease } from './partitionLease.ts';
import type { BatchHandler, IncomingRecord } from './types.ts';

/**
 * Whole batches: up to `maxBatchRecords` records of a partition go to the handler at once;
 * their offsets are released once the handler answered for all of them and their dead letters
 * are published. A handler that throws is retried with the whole batch. Heartbeats go on in
 * the background while the handler works, and its writes are fenced by `assertOwned`.
 */
export function consumeInBatches(consumption: Consumption, handleBatch: BatchHandler, maxBatchRecords: number) {
  const { halted, lag, heartbeatIntervalMs } = consumption;
  const size = Math.max(1, maxBatchRecords);
  return async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { assertOwned, beat } = partitionLease(payload, consumption);
    for (let from = 0; from < batch.messages.length; from += size) {
      if (halted() || !isRunning() || isStale()) return;
      const messages = batch.messages.slice(from, from + size);
      const started = performance.now();
      const answered = await consumption.withRetries(
        batch.topic,
        batch.partition,
        messages[0]!.offset,
        payload,
        async (n) => {
          const records = messages.map((m) => consumption.recordOf(batch.topic, batch.partition, m, n));
          const beating = setInterval(() => void beat(), heartbeatIntervalMs);
          const outcomes = await handleBatch({
            topic: batch.topic,
            partition: batch.partition,
            records,
            assertOwned,
          }).finally(() => clearInterval(beating));
          if (outcomes.length !== records.length) {
            throw new Error(`the batch handler answered ${outcomes.length} outcomes for ${records.length} records`);
          }
          // Dead letters are published before any offset is released; should that fail, the
          // batch is retried whole (its handler is idempotent).
          const concluded: IncomingRecord[] = [];
          for (const [index, record] of records.entries()) {
            if ((await consumption.conclude(record, outcomes[index]!, started)) === 'stop') {
              return { concluded, stop: true };
            }
            concluded.push(record);
          }
          return { concluded, stop: false };
        },
      );
      if (answered === 'abandoned') return;
      const last = answered.concluded.at(-1);
      if (last) {
        resolveOffset(last.offset);
        lag.processed(batch.topic, batch.partition, last.offset);
      }
      if (answered.stop) return consumption.haltOnStop();
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };
}
