import type { PartitionControl } from './consumption.ts';
import { PartitionFencedError } from './types.ts';

export interface LeaseDeps {
  readonly sessionTimeoutMs: number;
  halted(): boolean;
  /** When the coordinator last acknowledged this member. */
  lastHeartbeatAt(): number;
}

/**
 * The lease a batch handler's writes rely on (see "fencing" in the writers' README):
 * `assertOwned` throws `PartitionFencedError` unless this member still owns the batch's
 * partition. While a batch is in hand, heartbeats go on in the background (`beat`: its handler
 * may wait on slow stores for longer than a session); once one is refused, the lease is lost.
 * The coordinator keeps a member's partitions for a whole session after its last acknowledged
 * heartbeat, so a write made within half of it cannot overlap with a new owner's.
 */
export function partitionLease(control: PartitionControl, deps: LeaseDeps) {
  let fenced: string | undefined;
  const beat = async () => {
    try {
      // Throttled by kafkajs to one request per heartbeat interval; throws while rebalancing.
      await control.heartbeat();
    } catch (error) {
      fenced ??= `heartbeat refused (${error instanceof Error ? error.message : String(error)})`;
    }
  };
  const assertOwned = async () => {
    if (deps.halted() || !control.isRunning()) throw new PartitionFencedError('the consumer is stopping');
    if (control.isStale()) throw new PartitionFencedError('the partition was reassigned');
    await beat();
    if (fenced) throw new PartitionFencedError(fenced);
    const silentMs = Date.now() - deps.lastHeartbeatAt();
    if (silentMs > deps.sessionTimeoutMs / 2) {
      throw new PartitionFencedError(`no heartbeat acknowledged for ${silentMs} ms`);
    }
  };
  return { assertOwned, beat };
}
