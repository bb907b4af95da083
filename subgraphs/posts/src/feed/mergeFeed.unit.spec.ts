import { describe, expect, it } from 'vitest';

import type { PostIndexEntry } from '../posts/postsStore.ts';
import { mergeChunks, mergeSources, type FeedSource } from './mergeFeed.ts';

const entry = (t: number, id: string, authorId = 'a'): PostIndexEntry => ({ key: { t, id }, postId: id, authorId });

/** A newest-first source over fixed entries. */
const sourceOf =
  (entries: PostIndexEntry[]): FeedSource =>
  async (after, limit) =>
    entries
      .filter((e) => after === undefined || e.key.t < after.t || (e.key.t === after.t && e.key.id < after.id))
      .slice(0, limit);

describe('mergeChunks', () => {
  it('given exhausted sources, when merged, then every row comes back newest first and the merge is done', () => {
    const merged = mergeChunks([[entry(5, 'e'), entry(1, 'a')], [entry(3, 'c')]], 3);
    expect(merged.rows.map((r) => r.postId)).toEqual(['e', 'c', 'a']);
    expect(merged.done).toBe(true);
  });

  it('given a source that filled its chunk, when merged, then rows older than its last row wait for the next chunk', () => {
    const timeline = [entry(10, 'j'), entry(9, 'i'), entry(8, 'h')];
    const pulled = [entry(7, 'g'), entry(2, 'b')];
    const merged = mergeChunks([timeline, pulled], 3);
    expect(merged.rows.map((r) => r.postId)).toEqual(['j', 'i', 'h']);
    expect(merged.done).toBe(false);
  });

  it('given the same post in the timeline and pulled from its author, when merged, then it appears once', () => {
    const merged = mergeChunks([[entry(4, 'p')], [entry(4, 'p'), entry(3, 'q')]], 5);
    expect(merged.rows.map((r) => r.postId)).toEqual(['p', 'q']);
  });
});

describe('mergeSources', () => {
  it('given interleaved sources, when paged chunk by chunk, then the result equals one sorted list', async () => {
    const a = [10, 8, 6, 4, 2].map((t) => entry(t, `a${t}`));
    const b = [9, 7, 5, 3, 1].map((t) => entry(t, `b${t}`));
    const read = mergeSources([sourceOf(a), sourceOf(b)]);
    const seen: string[] = [];
    let after: PostIndexEntry['key'] | undefined;
    for (let round = 0; round < 20; round++) {
      const chunk = await read(after, 2);
      seen.push(...chunk.rows.map((r) => r.postId));
      if (chunk.done) break;
      after = chunk.rows.at(-1)!.key;
    }
    expect(seen).toEqual(['a10', 'b9', 'a8', 'b7', 'a6', 'b5', 'a4', 'b3', 'a2', 'b1']);
  });
});
