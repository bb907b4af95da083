import type { EachBatchPayload, KafkaMessage } from 'kafkajs';

import type { Attempted, Consumption } from './consumption.ts';
import { attemptRecord } from './inOrder.ts';
import type { RecordHandler } from './types.ts';

/**
 * Key order: the records of one key in turn, up to `keyConcurrency` keys at once. An offset
 * is released only once every record before it is handled too, so a crash replays (never
 * skips) whatever was in flight, and a record stuck in retries holds back the commit, not the
 * other keys.
 */
export function consumeByKey(consumption: Consumption, handle: RecordHandler, keyConcurrency: number) {
  const { halted, lag } = consumption;
  const attempt = attemptRecord(consumption, handle);
  return async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { messages } = batch;
    const lanes = new Map<string, number[]>();
    messages.forEach((message, index) => {
      // Records without a key share one lane: their relative order is all they have.
      const key = message.key === null ? '' : `k${message.key.toString('base64')}`;
      lanes.set(key, [...(lanes.get(key) ?? []), index]);
    });
    const waiting = [...lanes.values()];
    const handled = new Array<boolean>(messages.length).fill(false);
    let released = 0;
    let interrupted: Attempted | undefined;
    const release = () => {
      let last: KafkaMessage | undefined;
      while (released < messages.length && handled[released]) last = messages[released++];
      if (!last) return false;
      resolveOffset(last.offset);
      lag.processed(batch.topic, batch.partition, last.offset);
      return true;
    };
    const worker = async () => {
      for (let lane = waiting.shift(); lane; lane = waiting.shift()) {
        for (const index of lane) {
          if (interrupted || halted() || !isRunning() || isStale()) return;
          const result = await attempt(batch.topic, batch.partition, messages[index]!, payload);
          if (result !== 'handled') {
            interrupted ??= result;
            return;
          }
          handled[index] = true;
          if (release()) await commitOffsetsIfNecessary();
          await heartbeat();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(keyConcurrency, lanes.size) }, worker));
    if (interrupted === 'stop') consumption.haltOnStop();
  };
}
