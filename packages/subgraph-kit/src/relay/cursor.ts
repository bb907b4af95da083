import { DomainError } from '@verograph/domain';

/** Cursors longer than this are junk: the keys they carry are a timestamp and an id or two. */
const MAX_CURSOR_LENGTH = 512;

/**
 * An opaque Relay cursor: base64url of a JSON sort key. Clients must not read it, and the
 * server never trusts it: `decodeCursor` checks its shape before it reaches a query.
 */
export function encodeCursor(key: object): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; anything else is an INVALID_CURSOR error. */
export function decodeCursor<K>(cursor: string, isKey: (value: unknown) => value is K, field = 'after'): K {
  const invalid = () =>
    new DomainError('INVALID_CURSOR', `${field} is not a cursor this list gave out; start again without it`, {
      field,
    });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isKey(value)) throw invalid();
  return value;
}

/**
 * The sort key of every newest-first list here: a creation time (epoch milliseconds) and
 * the item's id as the tie-breaker, matching Cassandra's `(created_at DESC, id DESC)`
 * clustering, so a page continues strictly after its last item however many newer items
 * arrive in the meantime.
 */
export interface TimeKey {
  readonly t: number;
  readonly id: string;
}

/**
 * The last millisecond a time key may name: the end of year 9999, the last moment an ISO-8601
 * date has four year digits for. Items are created now, so no list ever gives out a later key,
 * and a larger number (up to 2^53) is past what a Date holds: it would reach the query as an
 * invalid timestamp and fail there as an internal error instead of INVALID_CURSOR.
 */
export const MAX_TIME_KEY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function isTimeKey(value: unknown): value is TimeKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { t, id } = value as Record<string, unknown>;
  return (
    typeof t === 'number' &&
    Number.isSafeInteger(t) &&
    t >= 0 &&
    t <= MAX_TIME_KEY_MS &&
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 128 &&
    Object.keys(value).length === 2
  );
}

export function encodeTimeCursor(key: TimeKey): string {
  return encodeCursor({ t: key.t, id: key.id });
}

/** The key of an `after` argument, or undefined for the first page. */
export function decodeTimeCursor(after: string | null | undefined, field = 'after'): TimeKey | undefined {
  if (after === null || after === undefined) return undefined;
  return decodeCursor(after, isTimeKey, field);
}

/** Newest first, then the greater id first: the order of every time-keyed list. */
export function compareTimeKeysDesc(a: TimeKey, b: TimeKey): number {
  if (a.t !== b.t) return b.t - a.t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
