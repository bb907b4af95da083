import { describe, expect, it } from 'vitest';

import { encodeClose, encodeFrame, MAX_CLOSE_REASON_BYTES, Opcode, utf8Prefix } from './frameWriter.ts';

describe('frame writer', () => {
  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ])('writes a %i-byte payload with a %i-byte header, unmasked and final', (length, header) => {
    const frame = encodeFrame(Opcode.BINARY, Buffer.alloc(length, 7));
    expect(frame.length).toBe(header + length);
    expect(frame[0]).toBe(0x80 | Opcode.BINARY);
    expect(frame[1]! & 0x80).toBe(0);
    const lengthCode = frame[1]! & 0x7f;
    if (header === 2) expect(lengthCode).toBe(length);
    if (header === 4) expect([lengthCode, frame.readUInt16BE(2)]).toEqual([126, length]);
    if (header === 10) expect([lengthCode, frame.readUInt32BE(2), frame.readUInt32BE(6)]).toEqual([127, 0, length]);
    expect(frame.subarray(header).every((byte) => byte === 7)).toBe(true);
  });

  it('writes text as UTF-8, its length in bytes', () => {
    const frame = encodeFrame(Opcode.TEXT, 'é€');
    expect(frame[1]).toBe(5);
    expect(frame.subarray(2).toString('utf8')).toBe('é€');
  });

  it('writes a close frame with its code and reason, or an empty one', () => {
    const frame = encodeClose(4413, 'SLOW_CONSUMER');
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(4413);
    expect(frame.subarray(4).toString()).toBe('SLOW_CONSUMER');
    expect([...encodeClose(undefined)]).toEqual([0x88, 0]);
  });

  it('cuts a long close reason to 123 bytes on a character boundary', () => {
    const frame = encodeClose(1000, 'é'.repeat(100));
    expect(frame[1]).toBeLessThanOrEqual(125);
    const reason = frame.subarray(4);
    expect(reason.length).toBe(122);
    expect(reason.toString('utf8')).toBe('é'.repeat(61));
    expect(utf8Prefix('a'.repeat(200), MAX_CLOSE_REASON_BYTES).length).toBe(123);
    expect(utf8Prefix('€€', 5).toString()).toBe('€');
  });
});
