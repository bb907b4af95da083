import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from 'vitest';

import { acceptKey, acceptResponse, readUpgradeRequest, refusalResponse } from './handshake.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The parts of an upgrade request the handshake reads. */
function upgrade(headers: Record<string, string>, method = 'GET', minor = 1): IncomingMessage {
  return {
    method,
    httpVersionMajor: 1,
    httpVersionMinor: minor,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': KEY,
      'sec-websocket-version': '13',
      ...headers,
    },
  } as unknown as IncomingMessage;
}

describe('WebSocket handshake', () => {
  it('answers the key as RFC 6455 section 1.3 shows', () => {
    expect(acceptKey(KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('accepts a well-formed upgrade and picks our subprotocol from the offer', () => {
    const request = upgrade({
      'sec-websocket-protocol': 'other, graphql-transport-ws',
      connection: 'keep-alive, Upgrade',
    });
    expect(readUpgradeRequest(request, ['graphql-transport-ws'])).toEqual({
      ok: true,
      key: KEY,
      protocol: 'graphql-transport-ws',
    });
    expect(readUpgradeRequest(upgrade({}), ['graphql-transport-ws'])).toEqual({
      ok: true,
      key: KEY,
      protocol: undefined,
    });
  });

  it('writes the 101 answer with the accept key, and the subprotocol only when one was chosen', () => {
    const answer = acceptResponse(KEY, 'graphql-transport-ws');
    expect(answer.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(answer).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    expect(answer).toContain('Sec-WebSocket-Protocol: graphql-transport-ws\r\n');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
    expect(acceptResponse(KEY, undefined)).not.toContain('Sec-WebSocket-Protocol');
  });

  it.each([
    ['a POST', upgrade({}, 'POST')],
    ['HTTP/1.0', upgrade({}, 'GET', 0)],
    ['another Upgrade', upgrade({ upgrade: 'h2c' })],
    ['no Connection: Upgrade', upgrade({ connection: 'keep-alive' })],
    ['a short key', upgrade({ 'sec-websocket-key': 'abc' })],
    ['no version', upgrade({ 'sec-websocket-version': '' })],
  ])('refuses %s with 400', (_, request) => {
    if (request.headers['sec-websocket-version'] === '') delete request.headers['sec-websocket-version'];
    const answer = readUpgradeRequest(request, []);
    expect(answer.ok).toBe(false);
    expect(answer.ok ? 0 : answer.status).toBe(400);
  });

  it('refuses another protocol version with 426, naming version 13', () => {
    const answer = readUpgradeRequest(upgrade({ 'sec-websocket-version': '8' }), []);
    expect(answer).toMatchObject({ ok: false, status: 426 });
    const response = refusalResponse(426, 'use 13');
    expect(response.startsWith('HTTP/1.1 426 Upgrade Required\r\n')).toBe(true);
    expect(response).toContain('Sec-WebSocket-Version: 13\r\n');
    expect(response).toContain('Content-Length: 6\r\n\r\nuse 13');
  });

  it('refuses a client over its connection cap with 429 and Retry-After', () => {
    const response = refusalResponse(429, 'too many', 5);
    expect(response.startsWith('HTTP/1.1 429 Too Many Requests\r\n')).toBe(true);
    expect(response).toContain('Retry-After: 5\r\n');
    expect(refusalResponse(400, 'bad')).not.toContain('Retry-After');
  });
});
