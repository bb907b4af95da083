import type { DomainError } from '@verograph/domain';
import { encodeCursor } from '@verograph/subgraph-kit';
import { describe, expect, it } from 'vitest';

import { encodeCollectionCursor } from '../collections/collectionCursor.ts';
import { decodeItemCursor, encodeItemCursor } from './itemCursor.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('item cursors', () => {
  it('given an item key, when encoded and decoded, then it comes back whole, bigint positions included', () => {
    for (const key of [
      { position: '1', postId: 'p' },
      { position: '9223372036854775807', postId: 'a-b' },
      { position: '-3', postId: 'x' },
    ]) {
      expect(decodeItemCursor(encodeItemCursor(key))).toEqual(key);
    }
    expect(decodeItemCursor(undefined)).toBeUndefined();
    expect(decodeItemCursor(null)).toBeUndefined();
  });

  it('given anything this list did not give out, when decoded, then it is INVALID_CURSOR', () => {
    for (const bad of [
      'not base64!',
      encodeCursor({ p: 1, id: 'x' }),
      encodeCursor({ p: '9223372036854775808', id: 'x' }),
      encodeCursor({ p: '1', id: '' }),
      encodeCursor({ p: '1', id: 'x', extra: true }),
      encodeCollectionCursor({ us: 1, id: 'x' }),
    ]) {
      expect(
        codeOf(() => decodeItemCursor(bad)),
        bad,
      ).toBe('INVALID_CURSOR');
    }
  });
});
