import type cassandra from 'cassandra-driver';

/** Every row of a query, fetched a page at a time, so a big partition never sits in memory. */
export async function* pages(
  client: cassandra.Client,
  query: string,
  params: unknown[],
  fetchSize: number,
): AsyncGenerator<cassandra.types.Row> {
  let pageState: string | undefined;
  do {
    const result = await client.execute(query, params, { prepare: true, fetchSize, pageState });
    yield* result.rows;
    pageState = result.pageState ?? undefined;
  } while (pageState);
}
