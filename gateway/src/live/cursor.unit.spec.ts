import { describe, expect, it } from 'vitest';

import { decodeCursor, encodeCursor } from './cursor.ts';

describe('live cursor', () => {
  it('round-trips a stream, partition and offset through an opaque url-safe string', () => {
    const cursor = { stream: 'feed' as const, partition: 11, offset: 123_456_789_012 };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, 'feed')).toEqual(cursor);
    expect(decodeCursor(encodeCursor({ stream: 'engagement', partition: 0, offset: 0 }), 'engagement')).toEqual({
      stream: 'engagement',
      partition: 0,
      offset: 0,
    });
  });

  it("refuses another stream's cursor, garbage, and offsets past what a number holds exactly", () => {
    expect(decodeCursor(encodeCursor({ stream: 'engagement', partition: 1, offset: 2 }), 'feed')).toBeUndefined();
    expect(decodeCursor('not a cursor', 'feed')).toBeUndefined();
    expect(decodeCursor(Buffer.from('f1.1.x').toString('base64url'), 'feed')).toBeUndefined();
    expect(decodeCursor(Buffer.from('f1.1.9999999999999999').toString('base64url'), 'feed')).toBeUndefined();
    expect(decodeCursor('', 'feed')).toBeUndefined();
    expect(decodeCursor('A'.repeat(100), 'feed')).toBeUndefined();
  });
});
