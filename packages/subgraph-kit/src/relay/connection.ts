/** A Relay edge. */
export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

/** A Relay connection, the shape of every list in the API. */
export interface Connection<T> {
  readonly edges: readonly Edge<T>[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/**
 * Builds a connection from one page of items. `resumeCursor` is where the next page starts
 * when that is past the last item (a scan that skipped invisible items and stopped on its
 * budget); otherwise the next page starts after the last item.
 */
export function connectionOf<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  hasNextPage: boolean,
  resumeCursor?: string,
): Connection<T> {
  const edges = items.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage, endCursor: resumeCursor ?? edges.at(-1)?.cursor ?? null },
  };
}

/** An empty connection: nothing to see. */
export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
}
