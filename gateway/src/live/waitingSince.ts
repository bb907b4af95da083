/**
 * Items waiting since some time, oldest first, for one interval timer to find those that have
 * waited too long: no timer per item. `start` moves an item to the end, so with a monotonic
 * clock the Map's insertion order is the order of the waits, and a sweep reads only the items
 * it takes and the first one it does not.
 */
export class WaitingSince<T> {
  private readonly since = new Map<T, number>();

  constructor(readonly timeoutMs: number) {}

  /** Starts (or restarts) the wait of `item` at `now`. */
  start(item: T, now: number): void {
    this.since.delete(item);
    this.since.set(item, now);
  }

  stop(item: T): void {
    this.since.delete(item);
  }

  has(item: T): boolean {
    return this.since.has(item);
  }

  get size(): number {
    return this.since.size;
  }

  /** Removes and returns the items that have waited `timeoutMs` or longer at `now`, oldest first. */
  takeDue(now: number): T[] {
    const due: T[] = [];
    for (const [item, since] of this.since) {
      if (now - since < this.timeoutMs) break;
      due.push(item);
    }
    for (const item of due) this.since.delete(item);
    return due;
  }
}
