import type { CqlClient } from '@verograph/subgraph-kit';
import type cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';

import { createFeedStore } from './feedStore.ts';

/** An in-memory pulled_authors table (pure data, no engine) that records each question. */
function pulledAuthorsTable(pulled: Set<string>) {
  const asked: string[][] = [];
  const client: CqlClient = {
    async execute(_query, params) {
      const ids = (params?.[0] ?? []) as string[];
      asked.push([...ids]);
      const rows = ids.filter((id) => pulled.has(id)).map((id) => ({ get: () => id }));
      return { rows } as unknown as cassandra.types.ResultSet;
    },
  };
  return { client, asked };
}

describe('which followees are pulled', () => {
  it('given statuses read moments ago, when asked again, then only unknown authors are read', async () => {
    const { client, asked } = pulledAuthorsTable(new Set(['celebrity']));
    let clock = 0;
    const store = createFeedStore(client, { pulledStatusTtlMs: 2_000, now: () => clock });
    expect(await store.pulledAmong(['a', 'celebrity'])).toEqual(['celebrity']);
    expect(await store.pulledAmong(['celebrity', 'a', 'b'])).toEqual(['celebrity']);
    expect(asked).toEqual([['a', 'celebrity'], ['b']]);
    clock = 1_999;
    expect(await store.pulledAmong(['a', 'b', 'celebrity'])).toEqual(['celebrity']);
    expect(asked).toHaveLength(2);
  });

  it('given an author who became pulled, when the remembered status expires, then the switch is seen', async () => {
    const table = new Set<string>();
    const { client } = pulledAuthorsTable(table);
    let clock = 0;
    const store = createFeedStore(client, { pulledStatusTtlMs: 2_000, now: () => clock });
    expect(await store.pulledAmong(['rising'])).toEqual([]);
    table.add('rising');
    clock = 2_000;
    expect(await store.pulledAmong(['rising'])).toEqual(['rising']);
  });

  it('given no memory, when asked, then every question is read', async () => {
    const { client, asked } = pulledAuthorsTable(new Set());
    const store = createFeedStore(client, { pulledStatusTtlMs: 0 });
    await store.pulledAmong(['a']);
    await store.pulledAmong(['a']);
    expect(asked).toEqual([['a'], ['a']]);
  });
});
