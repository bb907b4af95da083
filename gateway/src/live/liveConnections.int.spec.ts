import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { mintToken } from '../auth/mintToken.ts';
import type { TestSubgraph } from '../testing/testSubgraph.ts';
import { JWT_SECRET, type TestGateway } from '../testing/testWorld.ts';
import {
  freshLiveTopics,
  startLiveAuthorsSubgraph,
  startLiveGateway,
  startLivePostsSubgraph,
  until,
  type LivePostsState,
  type LiveTopics,
} from './testing/liveWorld.ts';

/**
 * Connection caps and the idle timeout, on the real gateway (its own, with small limits).
 * Regression: 200 anonymous graphql-ws connections with no subscription were accepted and kept open.
 */
const MAX_PER_ADDRESS = 3;
const IDLE_TIMEOUT_MS = 1_000;

const state: LivePostsState = { audience: new Map(), comments: new Map(), slow: new Map() };
let topics: LiveTopics;
let posts: TestSubgraph;
let authors: TestSubgraph;
let gateway: TestGateway;
let wsUrl: string;
const sockets: WebSocket[] = [];

const ENGAGEMENT = 'subscription($postId: ID!) { postEngagement(postId: $postId) { loveCount } }';
const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

interface Opened {
  readonly socket: WebSocket;
  readonly messages: { type?: string; id?: string }[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** A graphql-ws connection by hand: the upgrade's answer when refused, else the open socket. */
function connect(): Promise<{ refused: number } | Opened> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  sockets.push(socket);
  const messages: Opened['messages'] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('error', reject);
  });
}

async function acknowledged(authorization?: string): Promise<Opened> {
  const connection = await connect();
  if ('refused' in connection) throw new Error(`refused with ${connection.refused}`);
  connection.socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
  await until('the ack', () => (connection.messages.some((m) => m.type === 'connection_ack') ? true : undefined));
  return connection;
}

const closeAll = async (connections: Opened[]) => {
  for (const { socket } of connections) socket.close();
  await Promise.all(connections.map((connection) => connection.closed));
};

beforeAll(async () => {
  topics = await freshLiveTopics(1);
  [posts, authors] = await Promise.all([startLivePostsSubgraph(state), startLiveAuthorsSubgraph()]);
  gateway = await startLiveGateway({ posts, authors }, topics, {
    GATEWAY_LIVE_CONSUME_ON_START: 'false',
    GATEWAY_LIVE_MAX_CONNECTIONS_PER_ADDRESS: String(MAX_PER_ADDRESS),
    GATEWAY_LIVE_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
  });
  wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await gateway?.stop();
  await Promise.all([posts?.stop(), authors?.stop()]);
  await topics?.drop();
});

describe('live connection caps', () => {
  it('refuses the connection past the cap for one address with 429 at the upgrade (SSE too), and takes one again once one closes', async () => {
    const open: Opened[] = [];
    for (let n = 0; n < MAX_PER_ADDRESS; n++) {
      const connection = await connect();
      expect(connection, `connection ${n + 1}`).not.toHaveProperty('refused');
      open.push(connection as Opened);
    }
    expect(await connect()).toEqual({ refused: 429 });

    const stream = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: ENGAGEMENT, variables: { postId: 'any' } }),
    });
    expect(stream.status).toBe(429);
    expect(stream.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await stream.json()).toEqual({
      errors: [expect.objectContaining({ extensions: { code: 'TOO_MANY_CONNECTIONS' } })],
    });

    open[0]!.socket.close();
    await open[0]!.closed;
    // The gateway frees the place when its side of the socket has closed too: a moment later at most.
    let again = await connect();
    for (let attempt = 0; 'refused' in again && attempt < 20; attempt++) {
      await sleep(50);
      again = await connect();
    }
    expect(again).not.toHaveProperty('refused');
    await closeAll([...open.slice(1), again as Opened]);
  });
});

describe('idle connections', () => {
  it('closes an acknowledged connection that never subscribes after the idle timeout', async () => {
    const connection = await acknowledged();
    const openedAt = Date.now();
    const closed = await Promise.race([connection.closed, sleep(IDLE_TIMEOUT_MS + 3000).then(() => undefined)]);
    expect(closed, 'the idle connection is still open').toEqual({ code: 1000, reason: expect.stringMatching(/idle/i) });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 50);
    const ended = await gateway.registry.getSingleMetric('gateway_live_connections_ended_total')?.get();
    expect(ended?.values.find((value) => value.labels.reason === 'IDLE')?.value).toBeGreaterThanOrEqual(1);
  });

  it('keeps a connection open while it holds a subscription, and closes it once its subscriptions have all ended', async () => {
    const viewer = id('wes');
    const post = id('post');
    state.audience.set(post, new Set([viewer]));
    const connection = await acknowledged(`Bearer ${await mintToken(JWT_SECRET, viewer)}`);
    connection.socket.send(
      JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: ENGAGEMENT, variables: { postId: post } } }),
    );
    let closedAt: number | undefined;
    void connection.closed.then(() => (closedAt = Date.now()));
    await sleep(IDLE_TIMEOUT_MS * 2.5);
    expect(closedAt, 'closed while it held a subscription').toBeUndefined();
    expect(connection.messages.filter((m) => m.type === 'error')).toEqual([]);

    connection.socket.send(JSON.stringify({ id: 's1', type: 'complete' }));
    const completedAt = Date.now();
    const closed = await Promise.race([connection.closed, sleep(IDLE_TIMEOUT_MS + 3000).then(() => undefined)]);
    expect(closed, 'the connection is still open with no subscription').toEqual({
      code: 1000,
      reason: expect.stringMatching(/idle/i),
    });
    expect(closedAt! - completedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 50);
  });
});
