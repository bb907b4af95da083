import type cassandra from 'cassandra-driver';

/**
 * Copies post_loves into loves_by_user (migration 0032) for loves recorded before the posts
 * writer wrote both. Safe while writers run and safe to repeat: each row is written with the
 * write time of the row it copies, so an unlove the writer recorded since (a later tombstone)
 * still wins, and a love it copies twice is the same cell.
 */
export async function backfillLovesByUser(
  client: cassandra.Client,
  options: { readonly pageSize?: number; readonly onProgress?: (copied: number) => void } = {},
): Promise<number> {
  let copied = 0;
  let pageState: string | undefined;
  do {
    const page = await client.execute(
      'SELECT post_id, user_id, created_at, WRITETIME(created_at) AS written FROM post_loves',
      [],
      { prepare: true, fetchSize: options.pageSize ?? 1_000, ...(pageState ? { pageState } : {}) },
    );
    await Promise.all(
      page.rows.map((row) =>
        client.execute(
          'INSERT INTO loves_by_user (user_id, post_id, loved_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
          [row.get('user_id'), row.get('post_id'), row.get('created_at'), row.get('written')],
          { prepare: true },
        ),
      ),
    );
    copied += page.rows.length;
    options.onProgress?.(copied);
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return copied;
}
