import { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import {
  compareTimeKeysDesc,
  decodeCursor,
  decodeTimeCursor,
  encodeCursor,
  encodeTimeCursor,
  isTimeKey,
  MAX_TIME_KEY_MS,
  type TimeKey,
} from './cursor.ts';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
};

describe('cursors', () => {
  it('round-trip a time key through an opaque, URL-safe string', () => {
    const key: TimeKey = { t: 1_795_000_000_123, id: '0b7f3c0e-6a39-4f57-9a43-0d0c5f3c0a11' };
    const cursor = encodeTimeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(key.id);
    expect(decodeTimeCursor(cursor)).toEqual(key);
  });

  it('accept every time up to the last millisecond of year 9999', () => {
    for (const t of [0, Date.now(), MAX_TIME_KEY_MS])
      expect(decodeTimeCursor(encodeTimeCursor({ t, id: 'x' }))).toEqual({ t, id: 'x' });
  });

  it('treat an absent after as the first page', () => {
    expect(decodeTimeCursor(undefined)).toBeUndefined();
    expect(decodeTimeCursor(null)).toBeUndefined();
  });

  it('refuse junk with INVALID_CURSOR, whatever its shape', () => {
    const junk = [
      '',
      'not a cursor!',
      'bm90IGpzb24',
      encodeCursor({ t: 'yesterday', id: 'x' }),
      encodeCursor({ t: -1, id: 'x' }),
      // Out of range (issue 12, item 8): past year 9999, past a Date, fractional, huge.
      encodeCursor({ t: Date.UTC(10000, 0, 1), id: 'x' }),
      encodeCursor({ t: 8_640_000_000_000_001, id: 'x' }),
      encodeCursor({ t: Number.MAX_SAFE_INTEGER, id: 'x' }),
      encodeCursor({ t: 1.5, id: 'x' }),
      encodeCursor({ t: 1e300, id: 'x' }),
      encodeCursor({ t: null, id: 'x' }),
      encodeCursor({ t: 1, id: '' }),
      encodeCursor({ t: 1, id: 'x', extra: true }),
      encodeCursor([1, 'x']),
      'A'.repeat(600),
    ];
    for (const cursor of junk)
      expect(
        codeOf(() => decodeTimeCursor(cursor)),
        cursor,
      ).toBe('INVALID_CURSOR');
  });

  it('name the argument that was wrong', () => {
    try {
      decodeCursor('%%%', isTimeKey, 'commentsAfter');
    } catch (error) {
      expect((error as DomainError).field).toBe('commentsAfter');
    }
  });

  it('order newest first, then by id descending, like the clustering order', () => {
    const keys: TimeKey[] = [
      { t: 1, id: 'b' },
      { t: 2, id: 'a' },
      { t: 1, id: 'c' },
      { t: 2, id: 'b' },
    ];
    expect([...keys].sort(compareTimeKeysDesc)).toEqual([
      { t: 2, id: 'b' },
      { t: 2, id: 'a' },
      { t: 1, id: 'c' },
      { t: 1, id: 'b' },
    ]);
  });
});
