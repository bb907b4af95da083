import type { MessageProducer, OutgoingRecord } from './producer.ts';

/**
 * Group commit for a shared producer: sends made while one is in flight wait and go together
 * in the next request, instead of queueing one request each behind the idempotent
 * producer's single in-flight request. Each caller still resolves only once its own records
 * are acknowledged, and fails if they were not. Order is kept for a caller that awaits each
 * send before the next (a consumer partition does).
 */
export function coalesceSends(producer: MessageProducer): MessageProducer {
  type Pending = { records: readonly OutgoingRecord[]; resolve: () => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;

  const flush = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await producer.send(batch.flatMap((p) => p.records));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    flushing = undefined;
  };

  return {
    send(records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, resolve, reject });
        flushing ??= flush();
      });
    },
    async disconnect() {
      await flushing;
      await producer.disconnect();
    },
  };
}
