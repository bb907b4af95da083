import { inPool } from '@verograph/service';

import type { CqlClient } from '../store/cassandra.ts';
import { text } from '../store/cassandra.ts';

/** What a writer decided about a command, as its decision log records it. */
export interface RecordedOutcome {
  readonly commandId: string;
  readonly aggregateId: string;
  readonly status: 'APPLIED' | 'REJECTED';
  readonly reason: { readonly code: string; readonly message: string } | null;
  readonly decidedAt: Date | undefined;
  /** The fingerprint of the command decided (`commandFingerprint`); undefined for rows from before it was kept. */
  readonly fingerprint?: string;
}

/** Reads the writers' decision log (`command_outcomes`). */
export interface OutcomeReader {
  find(commandId: string): Promise<RecordedOutcome | undefined>;
}

/**
 * The writers store the status as APPLIED or REJECTED; the protobuf enum's full names are
 * accepted too, so a writer that stores `CommandStatus` names is read the same way.
 */
function statusOf(raw: string): RecordedOutcome['status'] | undefined {
  const status = raw.replace(/^COMMAND_STATUS_/, '');
  return status === 'APPLIED' || status === 'REJECTED' ? status : undefined;
}

/** Reads many command ids' decisions at once: a bulk loader checks tens of thousands. */
export interface BulkOutcomeReader extends OutcomeReader {
  /** The outcomes recorded for any of these command ids, by command id: one request per 50 ids. */
  findMany(commandIds: readonly string[]): Promise<ReadonlyMap<string, RecordedOutcome>>;
}

const OUTCOME_COLUMNS =
  'command_id, aggregate_id, status, reason_code, reason_message, decided_at, payload_fingerprint';
/** Ids per IN request: a multi-partition IN, small enough that one slow partition holds up few (as the writers' decision log). */
const LOOKUP_CHUNK = 50;
/** IN requests in flight at once during a `findMany`. */
const LOOKUP_CONCURRENCY = 16;

function outcomeOf(row: { get(column: string): unknown }): RecordedOutcome | undefined {
  const status = statusOf(text(row.get('status')));
  // A row being written has no status yet; keep waiting for it.
  if (status === undefined) return undefined;
  const code = text(row.get('reason_code'));
  const decidedAt: unknown = row.get('decided_at');
  const fingerprint = text(row.get('payload_fingerprint'));
  return {
    commandId: text(row.get('command_id')),
    aggregateId: text(row.get('aggregate_id')),
    status,
    reason:
      status === 'REJECTED' || code ? { code: code || 'REJECTED', message: text(row.get('reason_message')) } : null,
    decidedAt: decidedAt instanceof Date ? decidedAt : undefined,
    ...(fingerprint ? { fingerprint } : {}),
  };
}

export function createOutcomeReader(client: CqlClient): BulkOutcomeReader {
  return {
    async find(commandId) {
      const result = await client.execute(
        `SELECT ${OUTCOME_COLUMNS} FROM command_outcomes WHERE command_id = ?`,
        [commandId],
        { prepare: true },
      );
      const row = result.first();
      return row ? outcomeOf(row) : undefined;
    },
    async findMany(commandIds) {
      const unique = [...new Set(commandIds)];
      const chunks = Array.from({ length: Math.ceil(unique.length / LOOKUP_CHUNK) }, (_, i) =>
        unique.slice(i * LOOKUP_CHUNK, (i + 1) * LOOKUP_CHUNK),
      );
      const found = new Map<string, RecordedOutcome>();
      await inPool(chunks, LOOKUP_CONCURRENCY, async (ids) => {
        const result = await client.execute(
          `SELECT ${OUTCOME_COLUMNS} FROM command_outcomes WHERE command_id IN ?`,
          [ids],
          { prepare: true },
        );
        for (const row of result.rows) {
          const outcome = outcomeOf(row);
          if (outcome) found.set(outcome.commandId, outcome);
        }
      });
      return found;
    },
  };
}

export interface PollOptions {
  /** Give up after this moment (epoch milliseconds); one probe always runs. */
  readonly deadline: number;
  /** The first pause between probes; it grows by half each time. */
  readonly firstDelayMs?: number;
  /** The longest pause between probes. */
  readonly maxDelayMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Probes until the probe answers something or the deadline passes. Writers and projectors
 * usually answer within a few milliseconds, so the first probes come quickly (~3 ms) and back
 * off to 25 ms, which bounds what a slow writer costs to ~40 reads a second per waiting mutation.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxDelay = options.maxDelayMs ?? 25;
  let delay = options.firstDelayMs ?? 3;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    const left = options.deadline - now();
    if (left <= 0) return undefined;
    await sleep(Math.min(delay, left));
    delay = Math.min(Math.ceil(delay * 1.5), maxDelay);
  }
}

/** Waits up to `waitMs` for a command's outcome to be recorded. */
export async function awaitOutcome(
  reader: OutcomeReader,
  commandId: string,
  options: Omit<PollOptions, 'deadline'> & { readonly waitMs: number },
): Promise<RecordedOutcome | undefined> {
  const now = options.now ?? Date.now;
  return pollUntil(() => reader.find(commandId), { ...options, deadline: now() + options.waitMs });
}

/**
 * After APPLIED, waits (until `deadline`) for the read model to show the change, so the
 * payload a client gets back already reads its own write. False when it did not in time;
 * the payload then shows the read model as it is.
 */
export async function awaitReadModel(probe: () => Promise<boolean>, deadline: number): Promise<boolean> {
  return (await pollUntil(async () => ((await probe()) ? true : undefined), { deadline })) ?? false;
}
