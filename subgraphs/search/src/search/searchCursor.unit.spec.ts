import type { DomainError } from '@verograph/domain';
import { encodeCursor } from '@verograph/subgraph-kit';
import { describe, expect, it } from 'vitest';

import { decodeSearchCursor, encodeSearchCursor } from './searchCursor.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('search cursors', () => {
  it('given a hit’s score and id, when encoded and decoded, then the float score comes back exactly', () => {
    for (const key of [
      { score: 0.68421686, id: 'u1' },
      { score: 0, id: 'p' },
      { score: 12.000001, id: '3f0c2b8e-1d2a-5b7c-8e9f-0a1b2c3d4e5f' },
    ]) {
      expect(decodeSearchCursor(encodeSearchCursor(key))).toEqual(key);
    }
    expect(decodeSearchCursor(null)).toBeUndefined();
  });

  it('given anything this search did not give out, when decoded, then INVALID_CURSOR', () => {
    for (const bad of [
      '!!',
      encodeCursor({ s: '1', id: 'x' }),
      encodeCursor({ s: -1, id: 'x' }),
      encodeCursor({ s: 1, id: '' }),
      encodeCursor({ s: 1, id: 'x', more: 1 }),
      encodeCursor([1, 'x']),
    ]) {
      expect(
        codeOf(() => decodeSearchCursor(bad)),
        bad,
      ).toBe('INVALID_CURSOR');
    }
  });
});
