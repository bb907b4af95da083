import { decodeCursor, encodeCursor } from '@verograph/subgraph-kit';

/**
 * Where a page of search results stops: the hit's sort values, its relevance score and then its
 * id (the tie-breaker), handed back to Elasticsearch as `search_after`. Stable while the indices
 * do not change; deep pages cost no more than the first.
 */
export interface SearchKey {
  readonly score: number;
  readonly id: string;
}

interface SearchCursorJson {
  readonly s: number;
  readonly id: string;
}

function isSearchCursorJson(value: unknown): value is SearchCursorJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { s, id } = value as Record<string, unknown>;
  return (
    typeof s === 'number' &&
    Number.isFinite(s) &&
    s >= 0 &&
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 128 &&
    Object.keys(value).length === 2
  );
}

export function encodeSearchCursor(key: SearchKey): string {
  const json: SearchCursorJson = { s: key.score, id: key.id };
  return encodeCursor(json);
}

/** The key of an `after` argument, undefined for the first page, INVALID_CURSOR for anything else. */
export function decodeSearchCursor(after: string | null | undefined): SearchKey | undefined {
  if (after === null || after === undefined) return undefined;
  const { s, id } = decodeCursor(after, isSearchCursorJson);
  return { score: s, id };
}
