/** RFC 6455 opcodes (section 5.2); the others are reserved. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** A close frame's reason must fit a 125-byte control payload beside its 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Bytes of a frame header carrying `length` payload bytes, plus `maskBytes` for a masking key. */
export function headerLength(length: number, maskBytes = 0): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + maskBytes;
}

/**
 * Writes a frame header at the start of `target`: FIN as given, no reserved bits, the length in
 * its shortest form (RFC 6455 §5.2 asks for the minimal encoding). Returns the header's length.
 */
export function writeHeader(target: Buffer, opcode: number, length: number, fin = true, masked = false): number {
  target[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) {
    target[1] = maskBit | length;
    return 2;
  }
  if (length < 0x10000) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  target[1] = maskBit | 127;
  // Payloads here are far below 2^32 bytes; the high word is kept for the wire format.
  target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/**
 * One unmasked, unfragmented frame as a server sends it (§5.1: a server never masks), header
 * and payload in one buffer so the socket gets a single write. A string is sent as UTF-8.
 */
export function encodeFrame(opcode: number, payload: string | Buffer): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  const offset = writeHeader(frame, opcode, length);
  if (typeof payload === 'string') frame.write(payload, offset, 'utf8');
  else payload.copy(frame, offset);
  return frame;
}

/**
 * A close frame: the code, then the reason cut to 123 bytes on a character boundary (a cut
 * inside a character would make the reason invalid UTF-8, which the peer must reject). With no
 * code the payload is empty, as §5.5.1 allows.
 */
export function encodeClose(code: number | undefined, reason = ''): Buffer {
  if (code === undefined) return encodeFrame(Opcode.CLOSE, Buffer.alloc(0));
  const text = utf8Prefix(reason, MAX_CLOSE_REASON_BYTES);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return encodeFrame(Opcode.CLOSE, payload);
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, encoded. */
export function utf8Prefix(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}
