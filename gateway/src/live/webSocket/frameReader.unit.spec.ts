import { describe, expect, it } from 'vitest';

import { CloseCode, readFrames, validCloseCode, type FrameListener, type PartialInput } from './frameReader.ts';
import { Opcode } from './frameWriter.ts';
import { clientFrame, closePayload } from './testing/clientFrame.ts';

type Event =
  | { kind: 'message'; text: string; binary: boolean; bytes: number }
  | { kind: 'ping' | 'pong'; text: string }
  | { kind: 'close'; code: number | undefined; reason: string }
  | { kind: 'error'; code: number; reason: string };

/** Feeds chunks to the reader as a socket would, keeping what it asks to keep; returns what it found. */
function read(chunks: readonly Buffer[], maxPayload = 1 << 20): { events: Event[]; partial: PartialInput | undefined } {
  const events: Event[] = [];
  const listener: FrameListener = {
    onMessage: (data, binary) => events.push({ kind: 'message', text: data.toString(), binary, bytes: data.length }),
    onPing: (data) => events.push({ kind: 'ping', text: data.toString() }),
    onPong: (data) => events.push({ kind: 'pong', text: data.toString() }),
    onCloseFrame: (code, reason) => events.push({ kind: 'close', code, reason }),
    onProtocolError: (code, reason) => events.push({ kind: 'error', code, reason }),
  };
  let partial: PartialInput | undefined;
  for (const chunk of chunks) partial = readFrames(chunk, partial, listener, maxPayload);
  return { events, partial };
}

const errorCode = (events: Event[]) => (events.at(-1)?.kind === 'error' ? (events.at(-1) as { code: number }).code : 0);

describe('frame reader', () => {
  it('reads a masked text frame and keeps no state afterwards', () => {
    const { events, partial } = read([clientFrame(Opcode.TEXT, 'hello')]);
    expect(events).toEqual([{ kind: 'message', text: 'hello', binary: false, bytes: 5 }]);
    expect(partial).toBeUndefined();
  });

  it.each([0, 1, 125, 126, 127, 65535, 65536, 70000])('reads a %i-byte payload in each length encoding', (length) => {
    const payload = Buffer.alloc(length, 'x');
    const frame = clientFrame(Opcode.BINARY, payload);
    expect(frame.length).toBe(length + 4 + (length < 126 ? 2 : length < 65536 ? 4 : 10));
    const { events } = read([frame]);
    expect(events).toEqual([{ kind: 'message', text: payload.toString(), binary: true, bytes: length }]);
  });

  it('reads frames split at every byte, and several frames in one chunk', () => {
    const frames = Buffer.concat([
      clientFrame(Opcode.TEXT, 'a'.repeat(200)),
      clientFrame(Opcode.PING, 'p'),
      clientFrame(Opcode.TEXT, 'é€'),
    ]);
    const bytes = [...frames].map((byte) => Buffer.from([byte]));
    const { events, partial } = read(bytes);
    expect(events).toEqual([
      { kind: 'message', text: 'a'.repeat(200), binary: false, bytes: 200 },
      { kind: 'ping', text: 'p' },
      { kind: 'message', text: 'é€', binary: false, bytes: 5 },
    ]);
    expect(partial).toBeUndefined();
    expect(read([frames]).events).toEqual(events);
  });

  it('holds parser state only while a frame is partly received', () => {
    const frame = clientFrame(Opcode.TEXT, 'hello world');
    const first = read([frame.subarray(0, 7)]);
    expect(first.partial).toBeDefined();
    expect(read([frame.subarray(0, 7), frame.subarray(7)]).partial).toBeUndefined();
  });

  it('joins a fragmented message, with control frames between its fragments', () => {
    const { events, partial } = read([
      Buffer.concat([
        clientFrame(Opcode.TEXT, 'one ', { fin: false }),
        clientFrame(Opcode.PING, 'between'),
        clientFrame(Opcode.CONTINUATION, 'two ', { fin: false }),
      ]),
      clientFrame(Opcode.CONTINUATION, 'three'),
    ]);
    expect(events).toEqual([
      { kind: 'ping', text: 'between' },
      { kind: 'message', text: 'one two three', binary: false, bytes: 13 },
    ]);
    expect(partial).toBeUndefined();
  });

  it('accepts a character split between fragments, as only the whole message must be UTF-8', () => {
    const euro = Buffer.from('€', 'utf8');
    const { events } = read([
      clientFrame(Opcode.TEXT, euro.subarray(0, 1), { fin: false }),
      clientFrame(Opcode.CONTINUATION, euro.subarray(1)),
    ]);
    expect(events).toEqual([{ kind: 'message', text: '€', binary: false, bytes: 3 }]);
  });

  it('keeps an unfinished fragmented message between chunks', () => {
    const { events, partial } = read([clientFrame(Opcode.BINARY, 'abc', { fin: false })]);
    expect(events).toEqual([]);
    expect(partial?.fragments).toHaveLength(1);
  });

  it('fails 1002 on an unmasked client frame', () => {
    expect(errorCode(read([clientFrame(Opcode.TEXT, 'x', { masked: false })]).events)).toBe(CloseCode.PROTOCOL_ERROR);
  });

  it.each([0x40, 0x20, 0x10])('fails 1002 on reserved bit %s (no extension negotiated)', (rsv) => {
    expect(errorCode(read([clientFrame(Opcode.TEXT, 'x', { rsv })]).events)).toBe(1002);
  });

  it.each([0x3, 0x7, 0xb, 0xf])('fails 1002 on reserved opcode %s', (opcode) => {
    expect(errorCode(read([clientFrame(opcode, 'x')]).events)).toBe(1002);
  });

  it('fails 1002 on a fragmented or oversized control frame', () => {
    expect(errorCode(read([clientFrame(Opcode.PING, 'x', { fin: false })]).events)).toBe(1002);
    expect(errorCode(read([clientFrame(Opcode.PING, Buffer.alloc(126))]).events)).toBe(1002);
    expect(read([clientFrame(Opcode.PING, Buffer.alloc(125))]).events[0]?.kind).toBe('ping');
  });

  it('fails 1002 on a continuation with nothing to continue, and on a new message inside a fragmented one', () => {
    expect(errorCode(read([clientFrame(Opcode.CONTINUATION, 'x')]).events)).toBe(1002);
    const interleaved = read([clientFrame(Opcode.TEXT, 'a', { fin: false }), clientFrame(Opcode.TEXT, 'b')]);
    expect(errorCode(interleaved.events)).toBe(1002);
  });

  it('fails 1002 on a 64-bit length with its top bit set', () => {
    const frame = Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]);
    expect(errorCode(read([frame]).events)).toBe(1002);
  });

  it('fails 1009 on a message over the limit as soon as its header says so', () => {
    const header = clientFrame(Opcode.TEXT, Buffer.alloc(2000)).subarray(0, 8);
    expect(errorCode(read([header], 1000).events)).toBe(CloseCode.MESSAGE_TOO_BIG);
    expect(read([clientFrame(Opcode.TEXT, Buffer.alloc(1000, 'a'))], 1000).events[0]?.kind).toBe('message');
    const huge = Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]);
    expect(errorCode(read([huge], 1000).events)).toBe(1009);
  });

  it('fails 1009 when the fragments of one message add up to more than the limit', () => {
    const { events } = read(
      [
        clientFrame(Opcode.TEXT, Buffer.alloc(600, 'a'), { fin: false }),
        clientFrame(Opcode.CONTINUATION, Buffer.alloc(600, 'a')),
      ],
      1000,
    );
    expect(errorCode(events)).toBe(1009);
  });

  it('fails 1007 on a text message that is not UTF-8, whole or fragmented', () => {
    const invalid = Buffer.from([0x68, 0xc3, 0x28]);
    expect(errorCode(read([clientFrame(Opcode.TEXT, invalid)]).events)).toBe(CloseCode.INVALID_PAYLOAD);
    const fragmented = read([
      clientFrame(Opcode.TEXT, 'ok', { fin: false }),
      clientFrame(Opcode.CONTINUATION, Buffer.from([0xff])),
    ]);
    expect(errorCode(fragmented.events)).toBe(1007);
    expect(read([clientFrame(Opcode.BINARY, invalid)]).events[0]?.kind).toBe('message');
  });

  it('reads a close frame with a code and reason, or none, and nothing after it', () => {
    const withReason = read([
      Buffer.concat([clientFrame(Opcode.CLOSE, closePayload(4000, 'bye ✓')), clientFrame(Opcode.TEXT, 'late')]),
    ]);
    expect(withReason.events).toEqual([{ kind: 'close', code: 4000, reason: 'bye ✓' }]);
    expect(read([clientFrame(Opcode.CLOSE, Buffer.alloc(0))]).events).toEqual([
      { kind: 'close', code: undefined, reason: '' },
    ]);
  });

  it('fails on a malformed close frame: one byte or a forbidden code (1002), a reason not UTF-8 (1007)', () => {
    expect(errorCode(read([clientFrame(Opcode.CLOSE, Buffer.from([3]))]).events)).toBe(1002);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000]) {
      expect(errorCode(read([clientFrame(Opcode.CLOSE, closePayload(code))]).events), String(code)).toBe(1002);
    }
    const badReason = Buffer.concat([closePayload(1000), Buffer.from([0xc3])]);
    expect(errorCode(read([clientFrame(Opcode.CLOSE, badReason)]).events)).toBe(1007);
  });

  it('passes pings and pongs with their payloads', () => {
    expect(read([clientFrame(Opcode.PING, 'a'), clientFrame(Opcode.PONG, 'b')]).events).toEqual([
      { kind: 'ping', text: 'a' },
      { kind: 'pong', text: 'b' },
    ]);
  });

  it('knows which close codes a peer may send', () => {
    expect(
      [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999].every(validCloseCode),
    ).toBe(true);
    expect([999, 1004, 1005, 1006, 1015, 2999, 5000].some(validCloseCode)).toBe(false);
  });
});
