import type { Connection } from './connection.ts';

/** One chunk of a keyset scan; `done` says the source has nothing after these rows. */
export interface ScanChunk<R> {
  readonly rows: readonly R[];
  readonly done: boolean;
}

export interface ScanOptions<R, T, K> {
  /** How many items the page shows. */
  readonly want: number;
  /** Start strictly after this key; undefined starts at the beginning. */
  readonly after: K | undefined;
  /** Rows asked of the source per round trip. */
  readonly chunkSize: number;
  /** The most round trips one page may cost; bounds the work an all-invisible list can cause. */
  readonly maxChunks: number;
  readonly fetch: (after: K | undefined, limit: number) => Promise<ScanChunk<R>>;
  readonly keyOf: (row: R) => K;
  /** Turns rows into items, or undefined for a row the viewer may not see (aligned with `rows`). */
  readonly keep: (rows: readonly R[]) => Promise<ReadonlyArray<T | undefined>>;
}

export interface ScanResult<T, K> {
  readonly items: ReadonlyArray<{ readonly item: T; readonly key: K }>;
  readonly hasNextPage: boolean;
  /** Set when the scan stopped on its budget: the next page starts here, past skipped rows. */
  readonly resumeKey?: K;
}

/**
 * A keyset page over a source whose rows some viewers may not see: reads chunks after the
 * cursor, keeps the visible ones and stops at one more than the page needs (to know whether
 * there is a next page), at the end of the source, or at its round-trip budget.
 */
export async function scanPage<R, T, K>(options: ScanOptions<R, T, K>): Promise<ScanResult<T, K>> {
  const { want, chunkSize, maxChunks, fetch, keyOf, keep } = options;
  const target = want + 1;
  const items: Array<{ item: T; key: K }> = [];
  let position = options.after;
  let exhausted = false;
  for (let round = 0; round < maxChunks && items.length < target; round++) {
    const chunk = await fetch(position, chunkSize);
    const kept = await keep(chunk.rows);
    for (const [i, row] of chunk.rows.entries()) {
      const item = kept[i];
      position = keyOf(row);
      if (item === undefined) continue;
      items.push({ item, key: position });
      if (items.length === target) break;
    }
    if (chunk.done || chunk.rows.length === 0) {
      exhausted = items.length < target;
      break;
    }
  }
  if (items.length > want) return { items: items.slice(0, want), hasNextPage: true };
  if (exhausted) return { items, hasNextPage: false };
  return position === undefined ? { items, hasNextPage: true } : { items, hasNextPage: true, resumeKey: position };
}

/** The Relay connection of a scanned page, each cursor encoding its item's key. */
export function connectionFromScan<T, K>(page: ScanResult<T, K>, encode: (key: K) => string): Connection<T> {
  const edges = page.items.map(({ item, key }) => ({ cursor: encode(key), node: item }));
  const resume = page.resumeKey === undefined ? undefined : encode(page.resumeKey);
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: resume ?? edges.at(-1)?.cursor ?? null } };
}
