import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { Opcode } from './frameWriter.ts';
import { acceptResponse, readUpgradeRequest, refusalResponse } from './handshake.ts';
import { clientFrame, closePayload } from './testing/clientFrame.ts';
import { ReadyState, WebSocketConnection, type WebSocketSettings } from './webSocketConnection.ts';

const settings: WebSocketSettings = { maxPayloadBytes: 100_000, closeGraceMs: 300 };

/** What the server side saw end, per connection. */
const ended: { code: number; reason: string }[] = [];

/**
 * Echoes every message back with its type; `close <code> <reason>` closes with that code,
 * `state` answers the ready state and unsent bytes.
 */
class EchoConnection extends WebSocketConnection {
  protected handleMessage(data: Buffer, binary: boolean): void {
    const text = binary ? '' : data.toString();
    if (text.startsWith('close ')) {
      const [, code, ...reason] = text.split(' ');
      this.close(Number(code), reason.join(' '));
    } else if (text === 'state') {
      this.send(JSON.stringify({ readyState: this.readyState, bufferedAmount: this.bufferedAmount }));
    } else {
      this.send(data, binary);
    }
  }
  protected handleClose(code: number, reason: string): void {
    ended.push({ code, reason });
  }
}

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_, response) => response.end('not a WebSocket'));
  server.on('upgrade', (request, socket, head) => {
    const upgrade = readUpgradeRequest(request, ['echo']);
    if (!upgrade.ok) return socket.end(refusalResponse(upgrade.status, upgrade.message));
    socket.write(acceptResponse(upgrade.key, upgrade.protocol));
    new EchoConnection(socket as Socket, settings).open(head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function client(protocol = 'echo'): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, protocol, { perMessageDeflate: false, maxPayload: 0 });
  await once(socket, 'open');
  return socket;
}

function nextMessage(socket: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => socket.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })));
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** A raw TCP client past the handshake, to send what the ws client never would. */
async function rawClient(): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: echo\r\n\r\n',
  );
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close').then(() => undefined);
  const received = () => {
    const all = Buffer.concat(chunks);
    return all.subarray(all.indexOf('\r\n\r\n') + 4);
  };
  while (!Buffer.concat(chunks).includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 5));
  return { socket, received, closed };
}

/** The close code in the first server frame of `bytes`, which must be a close frame. */
function serverCloseCode(bytes: Buffer): number {
  expect(bytes[0]).toBe(0x80 | Opcode.CLOSE);
  return bytes.readUInt16BE(2);
}

describe('WebSocket connection against the ws client', () => {
  it('completes the handshake with the subprotocol and echoes text and binary of every length encoding', async () => {
    const socket = await client();
    expect(socket.protocol).toBe('echo');
    for (const length of [0, 125, 126, 65535, 65536, 99_000]) {
      const payload = Buffer.alloc(length, length % 251);
      const echoed = nextMessage(socket);
      socket.send(payload, { binary: true });
      const { data, binary } = await echoed;
      expect(binary).toBe(true);
      expect(data.equals(payload)).toBe(true);
    }
    const echoed = nextMessage(socket);
    socket.send('héllo €');
    expect((await echoed).data.toString()).toBe('héllo €');
    socket.close();
  });

  it('joins a message the client sends in fragments', async () => {
    const socket = await client();
    const echoed = nextMessage(socket);
    socket.send('one ', { fin: false });
    socket.send('two ', { fin: false });
    socket.send('three', { fin: true });
    expect((await echoed).data.toString()).toBe('one two three');
    socket.close();
  });

  it('answers a ping with a pong carrying the same bytes', async () => {
    const socket = await client();
    const pong = once(socket, 'pong');
    socket.ping('are you there');
    expect(((await pong)[0] as Buffer).toString()).toBe('are you there');
    socket.close();
  });

  it('echoes the client’s close code and reports it', async () => {
    const socket = await client();
    const closed = closeOf(socket);
    const before = ended.length;
    socket.close(4000, 'bye');
    expect(await closed).toEqual({ code: 4000, reason: '' });
    await waitFor(() => ended.length > before);
    expect(ended.at(-1)).toEqual({ code: 4000, reason: 'bye' });
  });

  it('closes with the server’s code and a reason cut to 123 bytes', async () => {
    const socket = await client();
    const closed = closeOf(socket);
    socket.send(`close 4413 SLOW_CONSUMER ${'x'.repeat(200)}`);
    const { code, reason } = await closed;
    expect(code).toBe(4413);
    expect(reason).toBe(`SLOW_CONSUMER ${'x'.repeat(109)}`);
  });

  it('closes 1009 on a message over the limit', async () => {
    const socket = await client();
    const closed = closeOf(socket);
    socket.send(Buffer.alloc(100_001));
    expect((await closed).code).toBe(1009);
  });

  it('reports its state and unsent bytes', async () => {
    const socket = await client();
    const answer = nextMessage(socket);
    socket.send('state');
    expect(JSON.parse((await answer).data.toString())).toEqual({ readyState: ReadyState.OPEN, bufferedAmount: 0 });
    socket.close();
  });
});

describe('WebSocket connection against a raw client', () => {
  it('closes 1002 on an unmasked frame', async () => {
    const raw = await rawClient();
    raw.socket.write(clientFrame(Opcode.TEXT, 'hi', { masked: false }));
    await raw.closed;
    expect(serverCloseCode(raw.received())).toBe(1002);
  });

  it('closes 1007 on a text message that is not UTF-8', async () => {
    const raw = await rawClient();
    raw.socket.write(clientFrame(Opcode.TEXT, Buffer.from([0xc3, 0x28])));
    await raw.closed;
    expect(serverCloseCode(raw.received())).toBe(1007);
  });

  it('closes 1002 on a reserved opcode', async () => {
    const raw = await rawClient();
    raw.socket.write(clientFrame(0x5, 'x'));
    await raw.closed;
    expect(serverCloseCode(raw.received())).toBe(1002);
  });

  it('reads what arrives in the handshake’s own packet', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        clientFrame(Opcode.TEXT, 'early'),
      ]),
    );
    await waitFor(() => Buffer.concat(chunks).includes('early'));
    socket.destroy();
  });

  it('destroys the socket when the client does not finish the closing handshake', async () => {
    const raw = await rawClient();
    const before = ended.length;
    raw.socket.write(clientFrame(Opcode.TEXT, 'close 4408 timeout'));
    // The client never answers the close frame nor ends its side: the grace period (300 ms) ends it.
    await raw.closed;
    expect(serverCloseCode(raw.received())).toBe(4408);
    await waitFor(() => ended.length > before);
    expect(ended.at(-1)).toEqual({ code: 1006, reason: '' });
  });

  it('ends the connection when the client leaves without a close frame (1006)', async () => {
    const raw = await rawClient();
    const before = ended.length;
    raw.socket.end();
    await raw.closed;
    await waitFor(() => ended.length > before);
    expect(ended.at(-1)).toEqual({ code: 1006, reason: '' });
  });

  it('answers a close frame without a code with an empty close frame', async () => {
    const raw = await rawClient();
    raw.socket.write(clientFrame(Opcode.CLOSE, Buffer.alloc(0)));
    await raw.closed;
    expect([...raw.received()]).toEqual([0x88, 0]);
  });

  it('echoes a close code from a raw client', async () => {
    const raw = await rawClient();
    raw.socket.write(clientFrame(Opcode.CLOSE, closePayload(1000, 'done')));
    await raw.closed;
    expect(serverCloseCode(raw.received())).toBe(1000);
  });
});

describe('refused upgrades', () => {
  it('answers 426 to another version and 400 to a malformed key', async () => {
    const answer = async (headers: string) => {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'close');
      return Buffer.concat(chunks).toString();
    };
    const wrongVersion = await answer('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n');
    expect(wrongVersion).toMatch(/^HTTP\/1\.1 426 /);
    expect(wrongVersion).toContain('Sec-WebSocket-Version: 13');
    expect(await answer('Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
