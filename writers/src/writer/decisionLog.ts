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
  /**
   * Records a decision with a plain insert, and answers it. No lightweight transaction: the
   * only writer of a command's decision is the one member that owns the command's partition
   * (see "fencing" in the README), and it looked the command up first.
   */
  record(decision: RecordedDecision): Promise<RecordedDecision>;
}

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
  return {
    find,
    async record(decision) {
      await client.execute(
        `INSERT INTO command_outcomes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          decision.commandId,
          decision.aggregateId,
          decision.status,
          decision.reasonCode,
          decision.reasonMessage,
          decision.events.map((e) => Buffer.from(e)),
          decision.decidedAt,
          decision.fingerprint,
        ],
        { prepare: true },
      );
      return decision;
    },
  };
}
