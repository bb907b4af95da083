import { describe, expect, it } from 'vitest';

import { keyBatcher, partitionBatcher } from './partitionBatcher.ts';

/** A store of partitions → keys → values that records every read it serves. */
function store(data: Record<string, Record<string, number>>) {
  const reads: Array<{ partition: string; keys: string[] }> = [];
  const read = async (partition: string, keys: readonly string[]) => {
    reads.push({ partition, keys: [...keys] });
    const rows = data[partition] ?? {};
    return new Map(keys.flatMap((key) => (key in rows ? [[key, rows[key]!] as const] : [])));
  };
  return { reads, read };
}

describe('partitionBatcher', () => {
  it('answers loads made together with one read per partition', async () => {
    const { reads, read } = store({ a: { v1: 1, v2: 2 }, b: { v1: 3 } });
    const batcher = partitionBatcher(read);
    const answers = await Promise.all([
      batcher.load('a', 'v1'),
      batcher.load('a', 'v2'),
      batcher.load('b', 'v1'),
      batcher.load('a', 'v3'),
    ]);
    expect(answers).toEqual([1, 2, 3, undefined]);
    expect(reads).toEqual([
      { partition: 'a', keys: ['v1', 'v2', 'v3'] },
      { partition: 'b', keys: ['v1'] },
    ]);
  });

  it('gathers loads made after promise jobs of the same turn', async () => {
    const { reads, read } = store({ a: { v1: 1, v2: 2 } });
    const batcher = partitionBatcher(read);
    const later = Promise.resolve()
      .then(() => undefined)
      .then(() => batcher.load('a', 'v2'));
    expect(await Promise.all([batcher.load('a', 'v1'), later])).toEqual([1, 2]);
    expect(reads).toHaveLength(1);
  });

  it('reads a key asked twice once and answers both', async () => {
    const { reads, read } = store({ a: { v1: 1 } });
    const batcher = partitionBatcher(read);
    expect(await Promise.all([batcher.load('a', 'v1'), batcher.load('a', 'v1')])).toEqual([1, 1]);
    expect(reads).toEqual([{ partition: 'a', keys: ['v1'] }]);
  });

  it('splits a partition with more keys than maxKeys into several reads', async () => {
    const { reads, read } = store({ a: { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 } });
    const batcher = partitionBatcher(read, { maxKeys: 2 });
    const answers = await Promise.all(['k0', 'k1', 'k2', 'k3', 'k4'].map((key) => batcher.load('a', key)));
    expect(answers).toEqual([0, 1, 2, 3, 4]);
    expect(reads.map((r) => r.keys)).toEqual([['k0', 'k1'], ['k2', 'k3'], ['k4']]);
  });

  it('remembers nothing: a later load reads the store again and sees a change', async () => {
    const data = { a: { v1: 1 } as Record<string, number> };
    const { reads, read } = store(data);
    const batcher = partitionBatcher(read);
    expect(await batcher.load('a', 'v1')).toBe(1);
    delete data.a.v1;
    expect(await batcher.load('a', 'v1')).toBeUndefined();
    expect(reads).toHaveLength(2);
  });

  it('rejects the loads of a failed read only', async () => {
    const batcher = partitionBatcher<number>(async (partition) => {
      if (partition === 'down') throw new Error('store unavailable');
      return new Map([['v1', 1]]);
    });
    const [failed, served] = await Promise.allSettled([batcher.load('down', 'v1'), batcher.load('up', 'v1')]);
    expect(failed).toMatchObject({ status: 'rejected', reason: new Error('store unavailable') });
    expect(served).toEqual({ status: 'fulfilled', value: 1 });
  });

  it('keyBatcher reads every key asked together in one read', async () => {
    const reads: string[][] = [];
    const batcher = keyBatcher(async (keys) => {
      reads.push([...keys]);
      return new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.length] as const));
    });
    expect(await Promise.all(['a', 'bb', 'gone', 'a'].map((k) => batcher.load(k)))).toEqual([1, 2, undefined, 1]);
    expect(reads).toEqual([['a', 'bb', 'gone']]);
  });
});
