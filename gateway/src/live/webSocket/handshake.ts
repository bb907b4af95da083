import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The GUID RFC 6455 §1.3 appends to the client's key before hashing it. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only protocol version (§4.1): a client asking for another gets 426 with this one named. */
export const WEBSOCKET_VERSION = '13';

/** A Sec-WebSocket-Key is 16 random bytes in base64: 22 characters and `==`. */
const KEY_SHAPE = /^[A-Za-z0-9+/]{22}==$/;

/** What an upgrade request asks for, or why it is refused. */
export type UpgradeRequest =
  | {
      readonly ok: true;
      readonly key: string;
      /** The subprotocol chosen from the client's offer; undefined when none of ours was offered. */
      readonly protocol: string | undefined;
    }
  | { readonly ok: false; readonly status: RefusalStatus; readonly message: string };

/** The answers to an upgrade that is not taken. */
export type RefusalStatus = 400 | 426 | 429 | 503;
const REASON_PHRASE: Record<RefusalStatus, string> = {
  400: 'Bad Request',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Sec-WebSocket-Accept for a client's key (§4.2.2): base64 of SHA-1 over the key and the GUID. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
}

/**
 * Checks an HTTP upgrade request against §4.2.1 (GET, HTTP/1.1, `Upgrade: websocket`, a
 * `Connection` header naming upgrade, a well-formed key, version 13) and picks the first of
 * `supported` the client offers in Sec-WebSocket-Protocol.
 */
export function readUpgradeRequest(request: IncomingMessage, supported: readonly string[]): UpgradeRequest {
  if (request.method !== 'GET') return refuse(400, 'A WebSocket handshake is a GET request.');
  if (request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1)) {
    return refuse(400, 'A WebSocket handshake needs HTTP/1.1.');
  }
  if (!hasToken(request.headers.upgrade, 'websocket')) {
    return refuse(400, 'The Upgrade header must be "websocket".');
  }
  if (!hasToken(request.headers.connection, 'upgrade')) {
    return refuse(400, 'The Connection header must include "Upgrade".');
  }
  const version = request.headers['sec-websocket-version'];
  if (version === undefined) return refuse(400, 'The Sec-WebSocket-Version header is missing.');
  if (version.trim() !== WEBSOCKET_VERSION) {
    return refuse(426, `WebSocket version ${version} is not supported; use ${WEBSOCKET_VERSION}.`);
  }
  const key = request.headers['sec-websocket-key']?.trim();
  if (key === undefined || !KEY_SHAPE.test(key)) {
    return refuse(400, 'The Sec-WebSocket-Key header must be 16 bytes in base64.');
  }
  const offered = tokens(request.headers['sec-websocket-protocol']);
  const protocol = offered.find((name) => supported.includes(name));
  return { ok: true, key, protocol };
}

/** The 101 answer that completes the handshake; nothing but the subprotocol is negotiated (no extensions). */
export function acceptResponse(key: string, protocol: string | undefined): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
    '\r\n'
  );
}

/**
 * A refused upgrade's answer: the status, why, for 426 the version this server speaks, and
 * when given, how many seconds to wait before trying again (Retry-After, RFC 9110 §10.2.3).
 */
export function refusalResponse(status: RefusalStatus, message: string, retryAfterSeconds?: number): string {
  const body = Buffer.from(message, 'utf8');
  return (
    `HTTP/1.1 ${status} ${REASON_PHRASE[status]}\r\n` +
    'Connection: close\r\n' +
    (status === 426 ? `Sec-WebSocket-Version: ${WEBSOCKET_VERSION}\r\n` : '') +
    (retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`) +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    '\r\n' +
    message
  );
}

function refuse(status: RefusalStatus, message: string): UpgradeRequest {
  return { ok: false, status, message };
}

/** The comma-separated tokens of a header, trimmed (header names and tokens here are ASCII). */
function tokens(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const value = Array.isArray(header) ? header.join(',') : header;
  return value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
}

function hasToken(header: string | string[] | undefined, token: string): boolean {
  return tokens(header).some((value) => value.toLowerCase() === token);
}
