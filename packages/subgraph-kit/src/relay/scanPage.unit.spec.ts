import { describe, expect, it } from 'vitest';

import { scanPage, type ScanChunk } from './scanPage.ts';

/** A source of numbers, newest (largest) first, that counts its round trips. */
function source(values: number[]) {
  const sorted = [...values].sort((a, b) => b - a);
  let trips = 0;
  return {
    trips: () => trips,
    fetch: async (after: number | undefined, limit: number): Promise<ScanChunk<number>> => {
      trips++;
      const rest = sorted.filter((v) => after === undefined || v < after);
      return { rows: rest.slice(0, limit), done: rest.length <= limit };
    },
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('scanPage', () => {
  it('given everything visible, when a page is read, then it stops one past the page to know there is more', async () => {
    const s = source(range(50));
    const page = await scanPage({
      want: 5,
      after: undefined,
      chunkSize: 6,
      maxChunks: 5,
      fetch: s.fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows,
    });
    expect(page.items.map((i) => i.item)).toEqual([50, 49, 48, 47, 46]);
    expect(page.hasNextPage).toBe(true);
    expect(page.resumeKey).toBeUndefined();
    expect(s.trips()).toBe(1);
  });

  it('given a cursor, when the next page is read, then it continues strictly after it and ends the list', async () => {
    const s = source(range(7));
    const page = await scanPage({
      want: 5,
      after: 4,
      chunkSize: 6,
      maxChunks: 5,
      fetch: s.fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows,
    });
    expect(page.items.map((i) => i.item)).toEqual([3, 2, 1]);
    expect(page.hasNextPage).toBe(false);
  });

  it('given invisible rows, when a page is read, then it reads on past them to fill the page', async () => {
    const s = source(range(40));
    const page = await scanPage({
      want: 3,
      after: undefined,
      chunkSize: 4,
      maxChunks: 10,
      fetch: s.fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows.map((v) => (v % 5 === 0 ? `#${v}` : undefined)),
    });
    expect(page.items.map((i) => i.item)).toEqual(['#40', '#35', '#30']);
    expect(page.hasNextPage).toBe(true);
  });

  it('given only invisible rows, when the budget runs out, then it says where to resume instead of scanning on', async () => {
    const s = source(range(100));
    const page = await scanPage({
      want: 3,
      after: undefined,
      chunkSize: 10,
      maxChunks: 2,
      fetch: s.fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows.map(() => undefined),
    });
    expect(page.items).toEqual([]);
    expect(page.hasNextPage).toBe(true);
    expect(page.resumeKey).toBe(81);
    expect(s.trips()).toBe(2);
  });

  it('given an exact fit, when the source ends with the page, then there is no next page', async () => {
    const s = source(range(3));
    const page = await scanPage({
      want: 3,
      after: undefined,
      chunkSize: 4,
      maxChunks: 5,
      fetch: s.fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows,
    });
    expect(page.items).toHaveLength(3);
    expect(page.hasNextPage).toBe(false);
  });

  it('given first 0, when read, then it shows nothing but says whether anything is there', async () => {
    const full = await scanPage({
      want: 0,
      after: undefined,
      chunkSize: 1,
      maxChunks: 5,
      fetch: source(range(3)).fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows,
    });
    expect(full).toEqual({ items: [], hasNextPage: true });
    const empty = await scanPage({
      want: 0,
      after: undefined,
      chunkSize: 1,
      maxChunks: 5,
      fetch: source([]).fetch,
      keyOf: (v) => v,
      keep: async (rows) => rows,
    });
    expect(empty).toEqual({ items: [], hasNextPage: false });
  });
});
