/** One record of a live-updates topic as the gateway keeps it: small, decoded once. */
export interface LiveRecord<T> {
  readonly partition: number;
  readonly offset: number;
  /** The Kafka record's timestamp (ms since epoch). */
  readonly timestamp: number;
  /** The record key: the recipient (feed) or the post (engagement). */
  readonly key: string;
  readonly value: T;
  /** The W3C trace context the projector published it with: each delivery continues that trace. */
  readonly traceparent?: string | undefined;
}

/** What a resume asks for: the records after a cursor, or word that the window no longer reaches it. */
export type Replay<T> =
  | { readonly ok: true; readonly records: readonly LiveRecord<T>[] }
  | { readonly ok: false; readonly reason: 'expired' };

export interface ReplayWindow<T> {
  /**
   * Declares that every record of `partition` from `offset` on will be appended (where the
   * consumer starts reading). Later calls for a partition already covered are ignored.
   */
  cover(partition: number, offset: number): void;
  /** Keeps a record; false when it is not newer than the last one kept (a redelivery). */
  append(record: LiveRecord<T>): boolean;
  /** The records with `key` after `offset` in `partition`, in order, if the window still reaches back that far. */
  since(partition: number, offset: number, key: string): Replay<T>;
  /** Records kept, across partitions. */
  readonly size: number;
}

interface PartitionWindow<T> {
  records: LiveRecord<T>[];
  head: number;
  /** Every record from this offset on is (or was until evicted by age or count) in `records`. */
  coveredFrom: number;
  last: number;
}

/**
 * An in-memory replay window per partition, bounded by age and by count: what a reconnecting
 * client missed is served from here, in partition order, deduplicated by offset. A cursor that
 * points before what the window covers is expired (the caller answers CURSOR_EXPIRED).
 */
export function createReplayWindow<T>(options: {
  readonly maxAgeMs: number;
  readonly maxEventsPerPartition: number;
  readonly now?: () => number;
}): ReplayWindow<T> {
  const { maxAgeMs, maxEventsPerPartition } = options;
  const now = options.now ?? Date.now;
  const partitions = new Map<number, PartitionWindow<T>>();
  let size = 0;

  const evict = (window: PartitionWindow<T>): void => {
    const oldest = now() - maxAgeMs;
    while (window.head < window.records.length) {
      const first = window.records[window.head]!;
      const count = window.records.length - window.head;
      if (count <= maxEventsPerPartition && first.timestamp >= oldest) break;
      window.head += 1;
      window.coveredFrom = first.offset + 1;
      size -= 1;
    }
    // Compacting in bulk keeps append O(1) amortised without a ring buffer's bookkeeping.
    if (window.head > 1024 && window.head * 2 > window.records.length) {
      window.records = window.records.slice(window.head);
      window.head = 0;
    }
  };

  return {
    cover(partition, offset) {
      if (!partitions.has(partition))
        partitions.set(partition, { records: [], head: 0, coveredFrom: offset, last: offset - 1 });
    },
    append(record) {
      let window = partitions.get(record.partition);
      if (!window) {
        window = { records: [], head: 0, coveredFrom: record.offset, last: record.offset - 1 };
        partitions.set(record.partition, window);
      }
      if (record.offset <= window.last) return false;
      window.last = record.offset;
      window.records.push(record);
      size += 1;
      evict(window);
      return true;
    },
    since(partition, offset, key) {
      const window = partitions.get(partition);
      if (!window) return { ok: false, reason: 'expired' };
      evict(window);
      if (offset + 1 < window.coveredFrom) return { ok: false, reason: 'expired' };
      const { records } = window;
      let low = window.head;
      let high = records.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (records[middle]!.offset <= offset) low = middle + 1;
        else high = middle;
      }
      const found: LiveRecord<T>[] = [];
      for (let index = low; index < records.length; index++) {
        if (records[index]!.key === key) found.push(records[index]!);
      }
      return { ok: true, records: found };
    },
    get size() {
      return size;
    },
  };
}
