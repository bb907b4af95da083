import { MAX_BATCH } from './keyedLoader.ts';

/**
 * Reads of one partition, coalesced ACROSS the requests being executed together: every
 * `load(partition, key)` made before the event loop next checks for timers and I/O is answered
 * by one read per partition (one `... WHERE partition = ? AND key IN ?` of up to `maxKeys`
 * keys), however many requests asked. A per-request DataLoader cannot do this: twenty viewers
 * asking about one author (a post delivered live to twenty followers, executed as one batch)
 * are twenty requests. Nothing is remembered after a read: each load reads the store after it
 * was asked, so its answer is as fresh as an uncoalesced read's.
 */
export interface PartitionBatcher<V> {
  /** The value stored under `key` in `partition`, or undefined when there is none. */
  load(partition: string, key: string): Promise<V | undefined>;
}

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

export function partitionBatcher<V>(
  read: (partition: string, keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  options: { maxKeys?: number } = {},
): PartitionBatcher<V> {
  const maxKeys = options.maxKeys ?? MAX_BATCH;
  let pending = new Map<string, Map<string, Waiter<V>[]>>();
  let scheduled = false;

  const readChunk = (partition: string, waiters: ReadonlyMap<string, Waiter<V>[]>, keys: readonly string[]) => {
    read(partition, keys).then(
      (found) => {
        for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.resolve(found.get(key));
      },
      (error: unknown) => {
        for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.reject(error);
      },
    );
  };

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    for (const [partition, waiters] of batch) {
      const keys = [...waiters.keys()];
      for (let i = 0; i < keys.length; i += maxKeys) readChunk(partition, waiters, keys.slice(i, i + maxKeys));
    }
  };

  return {
    load(partition, key) {
      return new Promise<V | undefined>((resolve, reject) => {
        let keys = pending.get(partition);
        if (keys === undefined) pending.set(partition, (keys = new Map()));
        let waiters = keys.get(key);
        if (waiters === undefined) keys.set(key, (waiters = []));
        waiters.push({ resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Once the promise jobs of everything executing now have run: no added wait beyond that.
          setImmediate(flush);
        }
      });
    },
  };
}

/**
 * The same coalescing for a read by keys alone (`... WHERE id IN ?`, one partition per key): every
 * key asked while the operations in hand execute is read in one round trip (per `maxKeys`).
 */
export function keyBatcher<V>(
  read: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  options: { maxKeys?: number } = {},
): { load(key: string): Promise<V | undefined> } {
  const batcher = partitionBatcher<V>((_, keys) => read(keys), options);
  return { load: (key) => batcher.load('', key) };
}
