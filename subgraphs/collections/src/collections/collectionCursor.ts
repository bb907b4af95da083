import { decodeCursor, encodeCursor } from '@verograph/subgraph-kit';

/**
 * Where a page of a user's collections (newest first) stops: the creation time in microseconds
 * (PostgreSQL's precision, so two collections a fraction of a millisecond apart never share a
 * key) and the id as the tie-breaker, matching the index `(owner_id, created_at DESC, id DESC)`.
 */
export interface CollectionKey {
  readonly us: number;
  readonly id: string;
}

function isCollectionKey(value: unknown): value is CollectionKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { us, id } = value as Record<string, unknown>;
  return (
    typeof us === 'number' &&
    Number.isSafeInteger(us) &&
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 128 &&
    Object.keys(value).length === 2
  );
}

export function encodeCollectionCursor(key: CollectionKey): string {
  return encodeCursor({ us: key.us, id: key.id });
}

/** The key of an `after` argument, undefined for the first page, INVALID_CURSOR for anything else. */
export function decodeCollectionCursor(after: string | null | undefined): CollectionKey | undefined {
  if (after === null || after === undefined) return undefined;
  return decodeCursor(after, isCollectionKey);
}
