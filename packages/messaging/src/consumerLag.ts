import type { Gauge } from 'prom-client';

/** Offsets as Kafka gives them (decimal strings); -1 means "none". */
type Offset = string;

interface PartitionPosition {
  /** The offset the next produced record will get (the log end for a read-committed consumer). */
  highWatermark: bigint;
  /** The next offset this group will process. */
  next: bigint;
}

/**
 * The `consumer_lag` gauge of one group: high watermark minus the next offset to process,
 * per assigned partition. It learns from every batch and record it handles and, so that a
 * stuck consumer (retrying while an engine is down) shows its lag growing, from a periodic
 * look at the log ends and the committed offsets.
 */
export interface LagTracker {
  /** The group's new assignment; partitions it lost stop being reported. */
  assigned(assignment: Readonly<Record<string, readonly number[]>>): void;
  /** A batch arrived with this high watermark. */
  highWatermark(topic: string, partition: number, highWatermark: Offset): void;
  /** The record at `offset` is handled. */
  processed(topic: string, partition: number, offset: Offset): void;
  /**
   * Log bounds and committed offsets from the cluster. A partition the group never committed
   * counts from its low watermark (consumers of commands start from the beginning).
   */
  refreshed(
    topic: string,
    bounds: ReadonlyMap<number, { readonly low: Offset; readonly high: Offset }>,
    committed: ReadonlyMap<number, Offset>,
  ): void;
  /** The topics and partitions currently assigned. */
  assignment(): ReadonlyMap<string, readonly number[]>;
  /** Stop reporting: the consumer is gone. */
  clear(): void;
}

export function createLagTracker(gauge: Gauge<'group' | 'topic' | 'partition'>, group: string): LagTracker {
  const positions = new Map<string, PartitionPosition>();
  let current = new Map<string, readonly number[]>();
  const id = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const labels = (topic: string, partition: number) => ({ group, topic, partition: String(partition) });

  const position = (topic: string, partition: number) => {
    let p = positions.get(id(topic, partition));
    if (!p) {
      p = { highWatermark: -1n, next: -1n };
      positions.set(id(topic, partition), p);
    }
    return p;
  };
  const report = (topic: string, partition: number) => {
    const p = position(topic, partition);
    if (p.highWatermark < 0n || p.next < 0n) return;
    const lag = p.highWatermark > p.next ? p.highWatermark - p.next : 0n;
    gauge.set(labels(topic, partition), Number(lag));
  };
  const assignedTo = (topic: string, partition: number) => current.get(topic)?.includes(partition) ?? false;

  return {
    assigned(assignment) {
      const next = new Map(Object.entries(assignment).map(([t, ps]) => [t, [...ps]] as const));
      for (const [topic, partitions] of current) {
        for (const partition of partitions) {
          if (!next.get(topic)?.includes(partition)) {
            gauge.remove(labels(topic, partition));
            positions.delete(id(topic, partition));
          }
        }
      }
      current = next;
    },
    highWatermark(topic, partition, highWatermark) {
      const p = position(topic, partition);
      const hw = BigInt(highWatermark);
      if (hw > p.highWatermark) p.highWatermark = hw;
      report(topic, partition);
    },
    processed(topic, partition, offset) {
      const p = position(topic, partition);
      const next = BigInt(offset) + 1n;
      if (next > p.next) p.next = next;
      if (p.next > p.highWatermark) p.highWatermark = p.next;
      report(topic, partition);
    },
    refreshed(topic, bounds, committed) {
      for (const [partition, { low, high }] of bounds) {
        if (!assignedTo(topic, partition)) continue;
        const p = position(topic, partition);
        const hw = BigInt(high);
        if (hw > p.highWatermark) p.highWatermark = hw;
        const c = BigInt(committed.get(partition) ?? '-1');
        const from = c >= 0n ? c : BigInt(low);
        if (from > p.next) p.next = from;
        report(topic, partition);
      }
    },
    assignment: () => current,
    clear() {
      for (const [topic, partitions] of current)
        for (const partition of partitions) gauge.remove(labels(topic, partition));
      positions.clear();
      current = new Map();
    },
  };
}
