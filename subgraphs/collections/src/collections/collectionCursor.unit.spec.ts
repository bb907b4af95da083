import type { DomainError } from '@verograph/domain';
import { encodeCursor } from '@verograph/subgraph-kit';
import { describe, expect, it } from 'vitest';

import { encodeItemCursor } from '../items/itemCursor.ts';
import { decodeCollectionCursor, encodeCollectionCursor } from './collectionCursor.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('collection cursors', () => {
  it('given a microsecond key, when encoded and decoded, then it comes back whole', () => {
    const key = { us: 1_767_225_600_123_456, id: 'c1' };
    expect(decodeCollectionCursor(encodeCollectionCursor(key))).toEqual(key);
  });

  it('given a malformed key, when decoded, then it is INVALID_CURSOR', () => {
    for (const bad of [
      encodeCursor({ us: 1.5, id: 'x' }),
      encodeCursor({ t: 1, id: 'x' }),
      encodeItemCursor({ position: '1', postId: 'p' }),
    ]) {
      expect(codeOf(() => decodeCollectionCursor(bad))).toBe('INVALID_CURSOR');
    }
  });
});
