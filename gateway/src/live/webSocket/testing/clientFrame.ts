import { headerLength, writeHeader } from '../frameWriter.ts';

/** How a test client builds a frame; by default a well-behaved client's: final, masked, no reserved bits. */
export interface ClientFrameOptions {
  readonly fin?: boolean;
  readonly masked?: boolean;
  /** Reserved bits as they sit in the first byte (0x40, 0x20, 0x10). */
  readonly rsv?: number;
  readonly maskKey?: readonly [number, number, number, number];
}

/** A frame as a client sends it (masked, §5.3), or as a broken client would, for the reader's tests. */
export function clientFrame(opcode: number, payload: string | Buffer, options: ClientFrameOptions = {}): Buffer {
  const { fin = true, masked = true, rsv = 0, maskKey = [0x12, 0x34, 0x56, 0x78] } = options;
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.alloc(headerLength(data.length, masked ? 4 : 0) + data.length);
  let offset = writeHeader(frame, opcode, data.length, fin, masked);
  frame[0] = frame[0]! | rsv;
  if (masked) {
    for (let i = 0; i < 4; i++) frame[offset + i] = maskKey[i]!;
    offset += 4;
  }
  for (let i = 0; i < data.length; i++) frame[offset + i] = masked ? data[i]! ^ maskKey[i % 4]! : data[i]!;
  return frame;
}

/** A close frame's payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const payload = Buffer.alloc(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return payload;
}
