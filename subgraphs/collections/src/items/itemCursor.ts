import { decodeCursor, encodeCursor } from '@verograph/subgraph-kit';

/**
 * Where a page of a collection's posts stops: the item's position (the owner's order; a
 * PostgreSQL bigint, kept as its decimal string) and the post id as the tie-breaker, matching
 * the index `(collection_id, position, post_id)`.
 */
export interface ItemKey {
  readonly position: string;
  readonly postId: string;
}

const BIGINT = /^-?\d{1,19}$/;

/** The cursor's JSON: short names, since it travels in every edge. */
interface ItemCursorJson {
  readonly p: string;
  readonly id: string;
}

function isItemCursorJson(value: unknown): value is ItemCursorJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { p, id } = value as Record<string, unknown>;
  return (
    typeof p === 'string' &&
    BIGINT.test(p) &&
    BigInt(p) >= -(2n ** 63n) &&
    BigInt(p) < 2n ** 63n &&
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 128 &&
    Object.keys(value).length === 2
  );
}

export function encodeItemCursor(key: ItemKey): string {
  const json: ItemCursorJson = { p: key.position, id: key.postId };
  return encodeCursor(json);
}

/** The key of an `after` argument, undefined for the first page, INVALID_CURSOR for anything else. */
export function decodeItemCursor(after: string | null | undefined): ItemKey | undefined {
  if (after === null || after === undefined) return undefined;
  const { p, id } = decodeCursor(after, isItemCursorJson);
  return { position: p, postId: id };
}
