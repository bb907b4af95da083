/**
 * Cassandra write timestamps for projections that read the system of record and then write.
 *
 * A handler takes a timestamp *before* it reads, and writes USING TIMESTAMP it. Cassandra keeps
 * the cell with the highest timestamp, so when two handlers race (a fan-out and a level change
 * for the same viewer, two count recomputations for one user) the decision based on the later
 * read wins, whatever order the writes land in. This relies on the projector instances' clocks
 * agreeing to well under the time between two conflicting events (NTP keeps it to milliseconds).
 */
export type WriteClock = () => bigint;

/** Microseconds since the epoch, strictly increasing within this process. */
export function createWriteClock(now: () => number = Date.now): WriteClock {
  let last = 0n;
  return () => {
    const micros = BigInt(now()) * 1000n;
    last = micros > last ? micros : last + 1n;
    return last;
  };
}
