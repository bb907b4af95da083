import type { ScanChunk, TimeKey } from '@verograph/subgraph-kit';
import { compareTimeKeysDesc } from '@verograph/subgraph-kit';

import type { PostIndexEntry } from '../posts/postsStore.ts';

/** A newest-first source of feed entries strictly after a key: a timeline or an author's posts. */
export type FeedSource = (after: TimeKey | undefined, limit: number) => Promise<PostIndexEntry[]>;

/**
 * Merges one chunk of each source into one newest-first chunk, each post once. A source
 * that filled its chunk may hold more rows older than its last one, so the merged chunk
 * stops at the newest of those last keys: every row up to there is known to be in order,
 * and the next chunk continues from the last row returned.
 */
export function mergeChunks(chunks: readonly (readonly PostIndexEntry[])[], limit: number): ScanChunk<PostIndexEntry> {
  const full = chunks.filter((chunk) => chunk.length >= limit && chunk.length > 0);
  const merged = chunks.flat().sort((a, b) => compareTimeKeysDesc(a.key, b.key));
  const seen = new Set<string>();
  const unique = merged.filter((entry) => !seen.has(entry.postId) && seen.add(entry.postId));
  if (full.length === 0) return { rows: unique, done: true };
  const boundary = full.map((chunk) => chunk.at(-1)!.key).sort(compareTimeKeysDesc)[0]!;
  return { rows: unique.filter((entry) => compareTimeKeysDesc(entry.key, boundary) <= 0), done: false };
}

/** Reads one merged chunk of every source, each source in parallel. */
export function mergeSources(sources: readonly FeedSource[]) {
  return async (after: TimeKey | undefined, limit: number): Promise<ScanChunk<PostIndexEntry>> =>
    mergeChunks(await Promise.all(sources.map((source) => source(after, limit))), limit);
}
