import cassandra from 'cassandra-driver';

/**
 * Stands for an event's write time among a statement's parameters, where its query says
 * `USING TIMESTAMP ?`; `writeInOrder` puts the time in.
 */
export const WRITE_TIME: unique symbol = Symbol('write time');

/** One CQL write of an event's effects; its parameters hold `WRITE_TIME` once. */
export interface Statement {
  readonly query: string;
  readonly params: readonly unknown[];
}

/** Cassandra refuses a batch past 50 KiB (`batch_size_fail_threshold`); this leaves headroom. */
const MAX_BATCH_BYTES = 32 * 1024;
const MAX_BATCH_STATEMENTS = 100;

/**
 * The driver's own kind of generator: microseconds of the wall clock, strictly increasing
 * (past 1 000 a millisecond it runs ahead of the clock), as the writes it stamps by default.
 */
const writeTimes = new cassandra.policies.timestampGeneration.MonotonicTimestampGenerator(1_000, 1_000);

/**
 * Writes several events' statements in as few requests as the batch size limit allows:
 * unlogged batches, sent at once. Each event's statements carry the event's own write time,
 * taken in event order from the driver's monotonic timestamp generator, so a row written by
 * two events of one batch (a post's `love_count`, a love then an unlove) ends as the later
 * event left it, whatever the order in which the requests arrive: Cassandra orders the writes
 * of a cell by their timestamps, and statements of one batch would otherwise share one.
 * Unlogged: a crash between requests is healed by the replay of the recorded decisions (every
 * statement is an upsert or a delete, safe to repeat).
 */
export async function writeInOrder(
  client: cassandra.Client,
  perEvent: readonly (readonly Statement[])[],
): Promise<void> {
  const chunks: { query: string; params: unknown[] }[][] = [];
  let chunk: { query: string; params: unknown[] }[] = [];
  let bytes = 0;
  for (const statements of perEvent) {
    if (statements.length === 0) continue;
    const at = writeTimes.next(client);
    for (const statement of statements) {
      const size = estimateBytes(statement);
      if (chunk.length > 0 && (chunk.length >= MAX_BATCH_STATEMENTS || bytes + size > MAX_BATCH_BYTES)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(stamped(statement, at));
      bytes += size;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  await Promise.all(chunks.map((queries) => client.batch(queries, { prepare: true, logged: false })));
}

function stamped(statement: Statement, at: unknown): { query: string; params: unknown[] } {
  if (!statement.params.includes(WRITE_TIME)) {
    throw new Error(`a statement written in order needs USING TIMESTAMP ? and WRITE_TIME: ${statement.query}`);
  }
  return { query: statement.query, params: statement.params.map((p) => (p === WRITE_TIME ? at : p)) };
}

/** An upper bound of what a statement adds to a batch's size, as Cassandra counts it (its mutations). */
function estimateBytes(statement: Statement): number {
  let size = 64;
  for (const p of statement.params) {
    if (typeof p === 'string') size += Buffer.byteLength(p) + 8;
    else if (p instanceof Uint8Array) size += p.length + 8;
    else if (Array.isArray(p)) size += p.reduce((n: number, v: unknown) => n + String(v).length + 8, 8);
    else size += 16;
  }
  return size;
}
