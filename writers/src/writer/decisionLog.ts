import type cassandra from 'cassandra-driver';

import type { ErrorCode } from '@verograph/domain';

/** A command's decision as written in `command_outcomes`, before anything else is touched. */
export interface RecordedDecision {
  readonly commandId: string;
  readonly aggregateId: string;
  readonly status: 'APPLIED' | 'REJECTED';
  readonly reasonCode: ErrorCode | '';
  readonly reasonMessage: string;
  /** The events' wire bytes, envelopes included, in order. */
  readonly events: readonly Uint8Array[];
  readonly decidedAt: Date;
  /**
   * What the command asked, as the subgraph fingerprinted it (its `command-fingerprint`
   * header; '' without one): a resend under the same command id that asks something else
   * is refused by the subgraph instead of answered with this decision.
   */
  readonly fingerprint: string;
}

/** The writers' decision log: one row per command id, written once. */
export interface DecisionLog {
  find(commandId: string): Promise<RecordedDecision | undefined>;
  /** The decisions recorded for any of these command ids, by command id: one request per 50 ids. */
  findMany(commandIds: readonly string[]): Promise<ReadonlyMap<string, RecordedDecision>>;
  /**
   * Records a decision with a plain insert, and answers it. No lightweight transaction: the
   * only writer of a command's decision is the one member that owns the command's partition
   * (see "fencing" in the README), and it looked the command up first.
   */
  record(decision: RecordedDecision): Promise<RecordedDecision>;
  /**
   * Records several decisions in as few requests as the batch size limit allows (unlogged
   * batches: each decision is its own row, and none depends on another being written).
   */
  recordMany(decisions: readonly RecordedDecision[]): Promise<void>;
}

/** Ids looked up per request: a multi-partition IN, kept small so one slow partition holds up few. */
const LOOKUP_CHUNK = 50;
/** Cassandra refuses a batch past 50 KiB (`batch_size_fail_threshold`); decisions carry their events. */
const MAX_BATCH_BYTES = 32 * 1024;

const COLUMNS =
  'command_id, aggregate_id, status, reason_code, reason_message, events, decided_at, payload_fingerprint';

export function createDecisionLog(client: cassandra.Client): DecisionLog {
  const fromRow = (row: cassandra.types.Row): RecordedDecision => ({
    commandId: String(row.get('command_id')),
    aggregateId: String(row.get('aggregate_id') ?? ''),
    status: row.get('status') === 'REJECTED' ? 'REJECTED' : 'APPLIED',
    reasonCode: (row.get('reason_code') ?? '') as ErrorCode | '',
    reasonMessage: String(row.get('reason_message') ?? ''),
    events: ((row.get('events') ?? []) as Buffer[]).map((b) => new Uint8Array(b)),
    decidedAt: row.get('decided_at') as Date,
    fingerprint: String(row.get('payload_fingerprint') ?? ''),
  });
  const find = async (commandId: string) => {
    const result = await client.execute(`SELECT ${COLUMNS} FROM command_outcomes WHERE command_id = ?`, [commandId], {
      prepare: true,
    });
    const row = result.first();
    return row ? fromRow(row) : undefined;
  };
  const insert = `INSERT INTO command_outcomes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
  const params = (decision: RecordedDecision) => [
    decision.commandId,
    decision.aggregateId,
    decision.status,
    decision.reasonCode,
    decision.reasonMessage,
    decision.events.map((e) => Buffer.from(e)),
    decision.decidedAt,
    decision.fingerprint,
  ];
  return {
    find,
    async findMany(commandIds) {
      const unique = [...new Set(commandIds)];
      const found = new Map<string, RecordedDecision>();
      const chunks = Array.from({ length: Math.ceil(unique.length / LOOKUP_CHUNK) }, (_, i) =>
        unique.slice(i * LOOKUP_CHUNK, (i + 1) * LOOKUP_CHUNK),
      );
      await Promise.all(
        chunks.map(async (ids) => {
          const result = await client.execute(`SELECT ${COLUMNS} FROM command_outcomes WHERE command_id IN ?`, [ids], {
            prepare: true,
          });
          for (const row of result.rows) {
            const decision = fromRow(row);
            found.set(decision.commandId, decision);
          }
        }),
      );
      return found;
    },
    async record(decision) {
      await client.execute(insert, params(decision), { prepare: true });
      return decision;
    },
    async recordMany(decisions) {
      const batches: { query: string; params: unknown[] }[][] = [];
      let batch: { query: string; params: unknown[] }[] = [];
      let bytes = 0;
      for (const decision of decisions) {
        const size = 256 + decision.reasonMessage.length + decision.events.reduce((n, e) => n + e.length, 0);
        if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) {
          batches.push(batch);
          batch = [];
          bytes = 0;
        }
        batch.push({ query: insert, params: params(decision) });
        bytes += size;
      }
      if (batch.length > 0) batches.push(batch);
      await Promise.all(batches.map((queries) => client.batch(queries, { prepare: true, logged: false })));
    },
  };
}
