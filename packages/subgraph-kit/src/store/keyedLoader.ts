import DataLoader from 'dataloader';

/** The most keys one batch carries: bounds a Cassandra `IN` list. */
export const MAX_BATCH = 100;

/**
 * A per-request DataLoader over a batch fetch that answers with a map: each batch costs
 * one fetch, absent keys resolve to undefined, and the same key is fetched once per request.
 */
export function keyedLoader<K, V>(
  fetch: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
  options: { maxBatchSize?: number; cacheKey?: (key: K) => unknown } = {},
): DataLoader<K, V | undefined> {
  return new DataLoader<K, V | undefined, unknown>(
    async (keys) => {
      const found = await fetch(keys);
      return keys.map((key) => found.get(key));
    },
    {
      maxBatchSize: options.maxBatchSize ?? MAX_BATCH,
      ...(options.cacheKey ? { cacheKeyFn: options.cacheKey } : {}),
    },
  );
}
