import { randomUUID } from 'node:crypto';

import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testCassandra } from '../testing/engines.ts';
import { backfillLovesByUser } from './backfillLovesByUser.ts';

const keyspace = `verograph_backfill_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
let client: cassandra.Client;

beforeAll(async () => {
  client = await testCassandra(keyspace);
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client?.shutdown();
});

const micros = (ms: number) => String(BigInt(ms) * 1000n);

describe('backfilling loves_by_user from post_loves', () => {
  it('copies every love, page by page, keeping its write time so a later unlove still wins', async () => {
    const t0 = Date.now() - 60_000;
    const loves = Array.from({ length: 7 }, (_, i) => ({ postId: randomUUID(), userId: `lover-${i}`, at: t0 + i }));
    for (const love of loves) {
      await client.execute(
        'INSERT INTO post_loves (post_id, user_id, created_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
        [love.postId, love.userId, new Date(love.at), micros(love.at)],
        { prepare: true },
      );
    }
    // The writer unloved the last one after the love was written, in both tables, before the copy ran
    // (post_loves still holds it here, as when the copy read it just before the unlove landed there).
    const unloved = loves.at(-1)!;
    await client.execute(
      'DELETE FROM loves_by_user USING TIMESTAMP ? WHERE user_id = ? AND post_id = ?',
      [micros(unloved.at + 1_000), unloved.userId, unloved.postId],
      { prepare: true },
    );

    const progress: number[] = [];
    expect(await backfillLovesByUser(client, { pageSize: 3, onProgress: (n) => progress.push(n) })).toBe(7);
    expect(progress).toEqual([3, 6, 7]);

    const copied = async () =>
      (await client.execute('SELECT user_id, post_id, loved_at FROM loves_by_user', [], { prepare: true })).rows.map(
        (r) => `${String(r.get('user_id'))}/${String(r.get('post_id'))}/${(r.get('loved_at') as Date).getTime()}`,
      );
    const expected = loves.slice(0, -1).map((l) => `${l.userId}/${l.postId}/${l.at}`);
    expect((await copied()).sort()).toEqual(expected.sort());
    // Again: nothing changes.
    await backfillLovesByUser(client);
    expect((await copied()).sort()).toEqual(expected.sort());
  });
});
