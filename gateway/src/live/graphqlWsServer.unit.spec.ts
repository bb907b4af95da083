import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createLogger, envReader } from '@verograph/service';
import { createClient, type Client } from 'graphql-ws';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import { readGatewayConfig } from '../config.ts';
import { createConnectionLimiter } from './connectionLimiter.ts';
import { createGraphQLWsServer, GRAPHQL_TRANSPORT_WS, type GraphQLWsServer } from './graphqlWsServer.ts';
import { createLiveMetrics } from './liveMetrics.ts';
import type { LiveOperationSink, LiveService, StartRequest } from './liveService.ts';

/**
 * The graphql-transport-ws server over its own WebSocket layer, against graphql-ws's own client
 * and the ws client, on a real socket. The live service behind it is a stand-in that records
 * what it is asked and lets the test push results: its real behaviour is live.int.spec.ts's.
 */
const started: { request: StartRequest; stopped: boolean }[] = [];
const live = {
  hub: undefined as never,
  async start(request: StartRequest) {
    const query = String(request.params.query);
    if (query.startsWith('query')) return { kind: 'single', result: { data: { hello: 'world' } } } as const;
    if (query.includes('refuse')) {
      return { kind: 'refused', errors: [{ message: 'no', extensions: { code: 'POST_NOT_FOUND' } }] } as const;
    }
    const entry = { request, stopped: false };
    started.push(entry);
    return { kind: 'subscribed', subscription: { stop: () => (entry.stopped = true) } } as const;
  },
} satisfies LiveService;

const authenticator: ViewerAuthenticator = {
  authenticate: async (authorization) =>
    authorization === undefined
      ? { ok: true, viewerId: undefined }
      : authorization === 'Bearer good'
        ? { ok: true, viewerId: 'viewer-1', expiresAt: Date.now() + 3_600_000 }
        : authorization === 'Bearer short'
          ? { ok: true, viewerId: 'viewer-2', expiresAt: Date.now() + 500 }
          : { ok: false, message: 'The token is not valid; sign in again.' },
};
const IDLE_TIMEOUT_MS = 400;

let server: Server;
let ws: GraphQLWsServer;
let url: string;

beforeAll(async () => {
  const config = {
    ...readGatewayConfig(envReader({})).live,
    initTimeoutMs: 300,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxPayloadBytes: 4096,
  };
  ws = createGraphQLWsServer({
    live,
    authenticator,
    config,
    limiter: createConnectionLimiter({ maxPerAddress: 1000, maxTotal: 1000 }),
    metrics: createLiveMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
  });
  server = createServer();
  server.on('upgrade', (request, socket, head) => {
    if (!ws.handleUpgrade(request, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sinkOf = (index: number): LiveOperationSink => started[index]!.request.sink;

function graphqlWsClient(): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: 'Bearer good' },
    retryAttempts: 0,
    lazy: true,
  });
}

/** A ws client speaking the protocol by hand; `protocol: ''` asks for no subprotocol. */
async function raw(protocol = GRAPHQL_TRANSPORT_WS) {
  const socket = protocol === '' ? new WebSocket(url) : new WebSocket(url, protocol);
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(socket, 'open');
  return { socket, messages, closed };
}

async function waitFor<T>(value: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = value();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('graphql-ws server against graphql-ws’s createClient', () => {
  it('subscribes as the viewer, delivers results in order, and stops the subscription when the client completes', async () => {
    const client = graphqlWsClient();
    const results: unknown[] = [];
    const before = started.length;
    const unsubscribe = client.subscribe(
      { query: 'subscription { feedUpdated { postId } }' },
      { next: (result) => results.push(result.data), error: () => undefined, complete: () => undefined },
    );
    await waitFor(() => started.length > before);
    expect(started.at(-1)!.request.viewerId).toBe('viewer-1');
    sinkOf(before).next({ data: { feedUpdated: { postId: 'p1' } } });
    sinkOf(before).next({ data: { feedUpdated: { postId: 'p2' } } });
    await waitFor(() => results.length === 2);
    expect(results).toEqual([{ feedUpdated: { postId: 'p1' } }, { feedUpdated: { postId: 'p2' } }]);
    unsubscribe();
    await waitFor(() => started[before]!.stopped);
    await client.dispose();
  });

  it('runs a query once, and passes a refusal on as an error message', async () => {
    const client = graphqlWsClient();
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: 'query { hello }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { hello: 'world' } });
    const refused = await new Promise((resolve) => {
      client.subscribe(
        { query: 'subscription { refuse }' },
        { next: () => undefined, error: resolve, complete: () => undefined },
      );
    });
    expect(refused).toEqual([{ message: 'no', extensions: { code: 'POST_NOT_FOUND' } }]);
    await client.dispose();
  });

  it('ends the server’s side of a subscription with complete', async () => {
    const client = graphqlWsClient();
    const before = started.length;
    const completed = new Promise<void>((resolve) => {
      client.subscribe(
        { query: 'subscription { postEngagement(postId: "p") { postId } }' },
        { next: () => undefined, error: () => undefined, complete: resolve },
      );
    });
    await waitFor(() => started.length > before);
    sinkOf(before).complete();
    await completed;
    await client.dispose();
  });
});

describe('graphql-ws server close codes', () => {
  it('closes 4406 when the client asks for no subprotocol', async () => {
    expect((await (await raw('')).closed).code).toBe(4406);
  });

  it('closes 4408 when connection_init does not come in time, 4403 on a bad token', async () => {
    expect((await (await raw()).closed).code).toBe(4408);
    const bad = await raw();
    bad.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer bad' } }));
    expect(await bad.closed).toEqual({ code: 4403, reason: 'Forbidden: The token is not valid; sign in again.' });
  });

  it('closes 4400, 4401, 4409 and 4429 on protocol misuse', async () => {
    const garbage = await raw();
    garbage.socket.send('{nope');
    expect((await garbage.closed).code).toBe(4400);
    const early = await raw();
    early.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    expect((await early.closed).code).toBe(4401);
    const twice = await raw();
    twice.socket.send(JSON.stringify({ type: 'connection_init' }));
    twice.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await twice.closed).code).toBe(4429);
    const duplicate = await raw();
    duplicate.socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => duplicate.messages.some((m) => m.type === 'connection_ack'));
    const subscribe = JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription { a }' } });
    duplicate.socket.send(subscribe);
    duplicate.socket.send(subscribe);
    expect((await duplicate.closed).code).toBe(4409);
  });

  it("closes 4400 on any message graphql-ws's own validation refuses, saying why", async () => {
    const cases: [object, RegExp][] = [
      [{ type: 'connection_init', payload: 'token' }, /"connection_init" message expects the 'payload' property/],
      [{ id: '', type: 'subscribe', payload: { query: '{ a }' } }, /requires a non-empty 'id'/],
      [{ id: '1', type: 'subscribe', payload: { documentId: 'abc' } }, /expects the 'query' property to be a string/],
      [{ id: '1', type: 'next', payload: { data: {} } }, /unexpected next from a client/],
      [{ type: 'start' }, /Invalid message 'type' property "start"/],
    ];
    for (const [message, reason] of cases) {
      const client = await raw();
      client.socket.send(JSON.stringify({ type: 'connection_init' }));
      await waitFor(() => client.messages.some((m) => m.type === 'connection_ack'));
      client.socket.send(JSON.stringify(message));
      const closed = await client.closed;
      expect(closed.code).toBe(4400);
      expect(closed.reason).toMatch(/^Invalid message received: /);
      expect(closed.reason).toMatch(reason);
    }
  });

  it('answers a ping message with a pong', async () => {
    const client = await raw();
    client.socket.send(JSON.stringify({ type: 'ping', payload: { n: 1 } }));
    await waitFor(() => client.messages.some((m) => m.type === 'pong'));
    expect(client.messages).toEqual([{ type: 'pong', payload: { n: 1 } }]);
    client.socket.close();
  });

  it('closes 1009 on a message over maxPayloadBytes', async () => {
    const big = await raw();
    big.socket.send(JSON.stringify({ type: 'connection_init', payload: { x: 'x'.repeat(5000) } }));
    expect((await big.closed).code).toBe(1009);
  });

  it('closes 4413 when the hub drops a slow consumer, and reports unsent bytes meanwhile', async () => {
    const slow = await raw();
    const before = started.length;
    slow.socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => slow.messages.some((m) => m.type === 'connection_ack'));
    slow.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    await waitFor(() => started.length > before);
    expect(sinkOf(before).unsentBytes()).toBe(0);
    sinkOf(before).drop('SLOW_CONSUMER');
    expect(await slow.closed).toEqual({ code: 4413, reason: 'SLOW_CONSUMER: the client fell too far behind' });
    await waitFor(() => started[before]!.stopped);
  });

  it('closes 4403 once the token has expired, and sends nothing after it, not even a result already on its way', async () => {
    const client = await raw();
    const before = started.length;
    client.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer short' } }));
    await waitFor(() => client.messages.some((m) => m.type === 'connection_ack'));
    const expiresAt = Math.ceil((Date.now() + 500) / 1000) * 1000;
    client.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    await waitFor(() => started.length > before);
    sinkOf(before).next({ data: { a: 'before' } });
    await waitFor(() => client.messages.some((m) => m.type === 'next'));
    // A result that was still being resolved when the token expired. A timer may fire a
    // millisecond early, before the expiry: wait until the clock has passed it.
    while (Date.now() < expiresAt) await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 1));
    sinkOf(before).next({ data: { a: 'after' } });
    expect(await client.closed).toEqual({
      code: 4403,
      reason: 'Forbidden: token expired; reconnect with a fresh token and your last cursor',
    });
    expect(client.messages.filter((m) => m.type === 'next').map((m) => m.payload)).toEqual([{ data: { a: 'before' } }]);
    await waitFor(() => started[before]!.stopped);
  });

  it('closes an expired connection within a second even when nothing is sent', async () => {
    const client = await raw();
    client.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer short' } }));
    await waitFor(() => client.messages.some((m) => m.type === 'connection_ack'));
    const expiresAt = Math.ceil((Date.now() + 500) / 1000) * 1000;
    client.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    expect((await client.closed).code).toBe(4403);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(Date.now()).toBeLessThan(expiresAt + 1_500);
  });

  it('closes 1000 an acknowledged connection that holds no operation for the idle timeout, not one that holds one', async () => {
    const never = await raw();
    never.socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => never.messages.some((m) => m.type === 'connection_ack'));
    const acknowledgedAt = Date.now();
    expect(await never.closed).toEqual({ code: 1000, reason: `Idle: no subscription for ${IDLE_TIMEOUT_MS} ms` });
    expect(Date.now() - acknowledgedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 20);

    const busy = await raw();
    const before = started.length;
    let closedAt: number | undefined;
    void busy.closed.then(() => (closedAt = Date.now()));
    busy.socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => busy.messages.some((m) => m.type === 'connection_ack'));
    busy.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    await waitFor(() => started.length > before);
    await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 3));
    expect(closedAt).toBeUndefined();
    busy.socket.send(JSON.stringify({ id: 's', type: 'complete' }));
    const completedAt = Date.now();
    expect((await busy.closed).code).toBe(1000);
    expect(closedAt! - completedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 20);
  });

  it('closes every connection 1001 on shutdown, stops their subscriptions, and refuses new upgrades', async () => {
    const open = await raw();
    const before = started.length;
    open.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer good' } }));
    await waitFor(() => open.messages.some((m) => m.type === 'connection_ack'));
    open.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { a }' } }));
    await waitFor(() => started.length > before);
    await ws.close();
    expect((await open.closed).code).toBe(1001);
    expect(started[before]!.stopped).toBe(true);
    const refused = new WebSocket(url, GRAPHQL_TRANSPORT_WS);
    const status = await new Promise<number>((resolve) =>
      refused.on('unexpected-response', (_, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(503);
  });
});
