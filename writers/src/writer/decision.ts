import type { ErrorCode } from '@verograph/domain';
import { DomainError, validUuid } from '@verograph/domain';

/** Why a command was refused: a stable code and a message that says what to do. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly message: string;
}

/** What `decide` answers: the events the command causes, or why it is refused. Never both. */
export type Decision<E> = { readonly events: readonly E[] } | { readonly rejection: Rejection };

/** What `decide` knows besides the command and the state: who asks, and the time (a clock passed in). */
export interface DecisionContext {
  readonly actorId: string;
  readonly now: Date;
  /** The command came from a trusted bulk loader (CommandMeta.bulkLoad). */
  readonly bulkLoad?: boolean;
}

export function accept<E>(...events: E[]): Decision<E> {
  return { events };
}

export function reject(code: ErrorCode, message: string): { readonly rejection: Rejection } {
  return { rejection: { code, message } };
}

export function isRejection<E>(decision: Decision<E>): decision is { readonly rejection: Rejection } {
  return 'rejection' in decision;
}

/** Turns a validator's `DomainError` into a rejection; anything else is a bug and is rethrown. */
export function validated<T>(check: () => T): { ok: true; value: T } | { ok: false; rejection: Rejection } {
  try {
    return { ok: true, value: check() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, rejection: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The end of an exhaustive `switch`: a new command or event type fails to compile until handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/** An id the writer stores as given must already be a canonical (lower-case) UUID. */
export function canonicalUuid(field: string, raw: string): Rejection | undefined {
  const id = validated(() => validUuid(field, raw));
  if (!id.ok) return id.rejection;
  return id.value === raw ? undefined : { code: 'INVALID_ID', message: `${field} "${raw}" must be a lower-case UUID` };
}
