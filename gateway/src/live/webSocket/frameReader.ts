import { isUtf8 } from 'node:buffer';

import { Opcode } from './frameWriter.ts';

/** RFC 6455 §7.4.1 status codes this layer sends or reports. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  /** Reported (never sent) when a close frame carried no code. */
  NO_STATUS: 1005,
  /** Reported (never sent) when the connection ended without a close frame. */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  MESSAGE_TOO_BIG: 1009,
} as const;

/** What the reader finds, in order; the connection implements it. */
export interface FrameListener {
  /** A whole message (fragments joined); a text message's bytes are valid UTF-8. */
  onMessage(data: Buffer, binary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** The peer's close frame: its code (undefined when it sent none) and reason. Nothing after it is read. */
  onCloseFrame(code: number | undefined, reason: string): void;
  /** The peer broke the protocol: close with this code. Nothing after it is read. */
  onProtocolError(code: number, reason: string): void;
}

/**
 * What a connection holds only while something is partly received: the bytes of an incomplete
 * frame, and the fragments of an unfinished message. An idle connection has none (undefined).
 */
export class PartialInput {
  /** Received bytes not yet parsed (an incomplete frame), oldest first. */
  chunks: Buffer[] = [];
  bytes = 0;
  /** How many bytes the incomplete frame needs before parsing is worth trying again. */
  needed = 0;
  /** The unfinished fragmented message, if any. */
  fragments: Buffer[] | undefined = undefined;
  fragmentsOpcode = 0;
  fragmentsBytes = 0;
}

/** The smallest possible frame header: the two fixed bytes. */
const MIN_HEADER = 2;

/**
 * Parses every whole frame `chunk` completes and tells `listener` about each. Returns what must
 * be kept for the next chunk, or undefined when nothing is partly received (the common case for
 * small messages, so an idle connection holds no parser state). `maxPayload` bounds a message
 * (all its fragments together): past it the listener is told 1009 before the payload is read.
 */
export function readFrames(
  chunk: Buffer,
  partial: PartialInput | undefined,
  listener: FrameListener,
  maxPayload: number,
): PartialInput | undefined {
  let data = chunk;
  if (partial !== undefined && partial.bytes > 0) {
    partial.chunks.push(chunk);
    partial.bytes += chunk.length;
    // Joining waits until the frame can be complete, so a large frame arriving in many chunks is copied once.
    if (partial.bytes < partial.needed) return partial;
    data = partial.chunks.length === 1 ? partial.chunks[0]! : Buffer.concat(partial.chunks, partial.bytes);
    partial.chunks = [];
    partial.bytes = 0;
    partial.needed = 0;
  }
  let offset = 0;
  while (offset < data.length) {
    const available = data.length - offset;
    if (available < MIN_HEADER) return keep(partial, data, offset, MIN_HEADER);
    const first = data[offset]!;
    const second = data[offset + 1]!;
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    const lengthCode = second & 0x7f;
    if ((first & 0x70) !== 0)
      return fail(listener, CloseCode.PROTOCOL_ERROR, 'Reserved bits set: no extension was negotiated');
    if ((second & 0x80) === 0) return fail(listener, CloseCode.PROTOCOL_ERROR, 'A client frame must be masked');
    const control = (opcode & 0x08) !== 0;
    if (control) {
      if (opcode !== Opcode.CLOSE && opcode !== Opcode.PING && opcode !== Opcode.PONG) {
        return fail(listener, CloseCode.PROTOCOL_ERROR, `Reserved opcode ${opcode}`);
      }
      if (!fin) return fail(listener, CloseCode.PROTOCOL_ERROR, 'A control frame must not be fragmented');
      if (lengthCode > 125)
        return fail(listener, CloseCode.PROTOCOL_ERROR, 'A control frame carries at most 125 bytes');
    } else if (opcode === Opcode.CONTINUATION) {
      if (partial?.fragments === undefined) {
        return fail(listener, CloseCode.PROTOCOL_ERROR, 'A continuation frame with no message to continue');
      }
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (partial?.fragments !== undefined) {
        return fail(listener, CloseCode.PROTOCOL_ERROR, 'A new message before the previous one was finished');
      }
    } else {
      return fail(listener, CloseCode.PROTOCOL_ERROR, `Reserved opcode ${opcode}`);
    }

    const extended = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
    const headerBytes = MIN_HEADER + extended + 4;
    if (available < MIN_HEADER + extended) return keep(partial, data, offset, MIN_HEADER + extended);
    let length = lengthCode;
    if (lengthCode === 126) {
      length = data.readUInt16BE(offset + 2);
    } else if (lengthCode === 127) {
      const high = data.readUInt32BE(offset + 2);
      if (high >= 0x80000000)
        return fail(listener, CloseCode.PROTOCOL_ERROR, 'A 64-bit length must have its top bit clear');
      // Anything of 4 GiB or more is over any limit this server sets.
      length = high === 0 ? data.readUInt32BE(offset + 6) : Number.POSITIVE_INFINITY;
    }
    const messageBytes = length + (opcode === Opcode.CONTINUATION ? (partial?.fragmentsBytes ?? 0) : 0);
    if (!control && messageBytes > maxPayload) {
      return fail(listener, CloseCode.MESSAGE_TOO_BIG, `A message may carry at most ${maxPayload} bytes`);
    }
    if (available < headerBytes + length) return keep(partial, data, offset, headerBytes + length);

    const payload = data.subarray(offset + headerBytes, offset + headerBytes + length);
    unmask(payload, data, offset + headerBytes - 4);
    offset += headerBytes + length;

    switch (opcode) {
      case Opcode.TEXT:
      case Opcode.BINARY:
        if (!fin) {
          partial ??= new PartialInput();
          // Copied: a fragment may wait for the next chunk, and should not hold the whole read buffer meanwhile.
          partial.fragments = [Buffer.from(payload)];
          partial.fragmentsOpcode = opcode;
          partial.fragmentsBytes = length;
          break;
        }
        if (opcode === Opcode.TEXT && !isUtf8(payload)) {
          return fail(listener, CloseCode.INVALID_PAYLOAD, 'A text message must be valid UTF-8');
        }
        listener.onMessage(payload, opcode === Opcode.BINARY);
        break;
      case Opcode.CONTINUATION: {
        const message = partial!;
        message.fragments!.push(fin ? payload : Buffer.from(payload));
        message.fragmentsBytes += length;
        if (!fin) break;
        const whole = Buffer.concat(message.fragments!, message.fragmentsBytes);
        const binary = message.fragmentsOpcode === Opcode.BINARY;
        message.fragments = undefined;
        message.fragmentsOpcode = 0;
        message.fragmentsBytes = 0;
        if (!binary && !isUtf8(whole)) {
          return fail(listener, CloseCode.INVALID_PAYLOAD, 'A text message must be valid UTF-8');
        }
        listener.onMessage(whole, binary);
        break;
      }
      case Opcode.PING:
        listener.onPing(payload);
        break;
      case Opcode.PONG:
        listener.onPong(payload);
        break;
      case Opcode.CLOSE: {
        if (length === 0) {
          listener.onCloseFrame(undefined, '');
          return undefined;
        }
        if (length === 1) return fail(listener, CloseCode.PROTOCOL_ERROR, 'A close frame cannot carry one byte');
        const code = payload.readUInt16BE(0);
        if (!validCloseCode(code)) return fail(listener, CloseCode.PROTOCOL_ERROR, `Invalid close code ${code}`);
        const reason = payload.subarray(2);
        if (!isUtf8(reason)) return fail(listener, CloseCode.INVALID_PAYLOAD, 'A close reason must be valid UTF-8');
        listener.onCloseFrame(code, reason.toString('utf8'));
        return undefined;
      }
    }
  }
  return partial?.fragments !== undefined ? partial : undefined;
}

/**
 * Whether a peer may send `code` in a close frame (§7.4): the defined codes except those that
 * only describe a local state (1004, 1005, 1006, 1015), the IANA-registered 1012–1014, and the
 * ranges for libraries (3000–3999) and applications (4000–4999).
 */
export function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

/** Keeps the unparsed tail of `data` for the next chunk; `needed` is how long the frame is at least. */
function keep(partial: PartialInput | undefined, data: Buffer, offset: number, needed: number): PartialInput {
  const kept = partial ?? new PartialInput();
  // A copy, so the (often 64 KiB) read buffer is not held for a few bytes.
  const tail = Buffer.from(data.subarray(offset));
  kept.chunks = [tail];
  kept.bytes = tail.length;
  kept.needed = needed;
  return kept;
}

function fail(listener: FrameListener, code: number, reason: string): undefined {
  listener.onProtocolError(code, reason);
  return undefined;
}

/** XORs `payload` in place with the 4-byte key at `keyOffset` of `source` (§5.3). */
function unmask(payload: Buffer, source: Buffer, keyOffset: number): void {
  const k0 = source[keyOffset]!;
  const k1 = source[keyOffset + 1]!;
  const k2 = source[keyOffset + 2]!;
  const k3 = source[keyOffset + 3]!;
  const length = payload.length;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    payload[i] = payload[i]! ^ k0;
    payload[i + 1] = payload[i + 1]! ^ k1;
    payload[i + 2] = payload[i + 2]! ^ k2;
    payload[i + 3] = payload[i + 3]! ^ k3;
  }
  for (; i < length; i++) payload[i] = payload[i]! ^ (i % 4 === 0 ? k0 : i % 4 === 1 ? k1 : i % 4 === 2 ? k2 : k3);
}
