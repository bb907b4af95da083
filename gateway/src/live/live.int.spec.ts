import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient, type Client } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { mintToken } from '../auth/mintToken.ts';
import type { TestSubgraph } from '../testing/testSubgraph.ts';
import { composeSupergraph, JWT_SECRET, writeSupergraph, type TestGateway } from '../testing/testWorld.ts';
import {
  freshLiveTopics,
  LIVE_AUTHORS_SDL,
  LIVE_POSTS_SDL,
  startLiveAuthorsSubgraph,
  startLiveGateway,
  startLivePostsSubgraph,
  until,
  type LivePostsState,
  type LiveTopics,
} from './testing/liveWorld.ts';

const state: LivePostsState = { audience: new Map(), comments: new Map(), slow: new Map(), traces: new Map() };
let topics: LiveTopics;
let posts: TestSubgraph;
let authors: TestSubgraph;
let gateway: TestGateway;
let wsUrl: string;
const clients: Client[] = [];

const FEED = `subscription Feed($after: String) {
  feedUpdated(after: $after) { kind postId cursor post { caption author { displayName } } }
}`;
const ENGAGEMENT = `subscription Engagement($postId: ID!, $after: String) {
  postEngagement(postId: $postId, after: $after) { postId loveCount commentCount cursor latestComment { text } }
}`;

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const token = (viewerId: string) => mintToken(JWT_SECRET, viewerId);
const share = (postId: string, ...viewers: string[]) => state.audience.set(postId, new Set(viewers));

interface FeedUpdateResult {
  readonly kind?: string;
  readonly postId?: string;
  readonly cursor?: string;
  readonly post?: unknown;
}

interface Collected {
  readonly results: {
    data?: { feedUpdated?: FeedUpdateResult } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  }[];
  readonly errors: unknown[];
  completed: boolean;
  stop(): void;
}

async function wsClient(viewerId: string | undefined): Promise<Client> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: viewerId ? { authorization: `Bearer ${await token(viewerId)}` } : {},
    onNonLazyError: () => {},
  });
  clients.push(client);
  return client;
}

function collect(client: Client, query: string, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = {
    results: [],
    errors: [],
    completed: false,
    stop: () => {},
  };
  collected.stop = client.subscribe(
    { query, variables },
    {
      next: (result) => collected.results.push(result as Collected['results'][number]),
      error: (error) => collected.errors.push(error),
      complete: () => (collected.completed = true),
    },
  );
  return collected;
}

const feedOf = (collected: Collected) => collected.results.map((result) => result.data?.feedUpdated);

/** The gateway's count of open live subscriptions (its own gauge). */
async function liveSubscriptions(): Promise<number> {
  const metric = await gateway.registry.getSingleMetric('gateway_live_subscriptions')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

/** Opens subscriptions and waits until the gateway has registered them, so nothing published next is missed. */
async function opened<T>(open: () => T | Promise<T>, count = 1): Promise<T> {
  const before = await liveSubscriptions();
  const value = await open();
  const deadline = Date.now() + 15_000;
  while ((await liveSubscriptions()) < before + count) {
    if (Date.now() > deadline) throw new Error(`the gateway did not register ${count} subscription(s)`);
    await sleep(20);
  }
  return value;
}

/** Stops subscriptions and waits until the gateway has let them go, so the next count starts clean. */
async function closed(stop: () => void, count = 1): Promise<void> {
  const before = await liveSubscriptions();
  stop();
  const deadline = Date.now() + 15_000;
  while ((await liveSubscriptions()) > before - count) {
    if (Date.now() > deadline) throw new Error(`the gateway did not let ${count} subscription(s) go`);
    await sleep(20);
  }
}

/** A raw WebSocket, for what a well-behaved client library never does. */
async function rawSocket(
  protocol = 'graphql-transport-ws',
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }>; messages: { type?: string }[] }> {
  const socket = protocol ? new WebSocket(wsUrl, protocol) : new WebSocket(wsUrl);
  const messages: { type?: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed, messages };
}

interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** A GraphQL-over-SSE client reading the raw stream, so ids and Last-Event-ID are visible. */
function sse(body: Record<string, unknown>, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!response.body) return response.status;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.event)
            events.push({ event: fields.event, data: fields.data ?? '', ...(fields.id ? { id: fields.id } : {}) });
        }
      }
    } catch {
      // aborted
    }
    return response.status;
  })();
  return { events, done, abort: () => controller.abort() };
}

beforeAll(async () => {
  topics = await freshLiveTopics(2);
  [posts, authors] = await Promise.all([startLivePostsSubgraph(state), startLiveAuthorsSubgraph()]);
  gateway = await startLiveGateway({ posts, authors }, topics, {
    GATEWAY_LIVE_WINDOW_EVENTS: '8',
    GATEWAY_LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    GATEWAY_LIVE_MAX_BUFFERED_EVENTS: '3',
    GATEWAY_LIVE_INIT_TIMEOUT_MS: '400',
  });
  wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
  // Ready when an event published now reaches a subscriber (the consumer has joined its group).
  const viewer = id('warmup');
  share('warmup-post', viewer);
  const warm = collect(await wsClient(viewer), FEED);
  const deadline = Date.now() + 90_000;
  while (warm.results.length === 0) {
    if (Date.now() > deadline) throw new Error(`the live consumer delivered nothing: ${JSON.stringify(warm.errors)}`);
    await topics.publishFeed(viewer, 'POST_ADDED', 'warmup-post');
    await sleep(500);
  }
  await closed(() => warm.stop());
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await gateway?.stop();
  await Promise.all([posts?.stop(), authors?.stop()]);
  await topics?.drop();
});

describe('feedUpdated over graphql-ws', () => {
  it('delivers each update with the selection resolved through the federated query path, as the viewer', async () => {
    const viewer = id('ann');
    const post = id('post');
    share(post, viewer);
    const feed = await opened(async () => collect(await wsClient(viewer), FEED));
    await topics.publishFeed(viewer, 'POST_ADDED', post);
    await until('the update', () => (feed.results.length > 0 ? true : undefined));
    expect(feed.results[0]).toEqual({
      data: {
        feedUpdated: {
          kind: 'POST_ADDED',
          postId: post,
          cursor: expect.any(String),
          post: { caption: `caption of ${post}`, author: { displayName: `Name of author-of-${post}` } },
        },
      },
    });
  });

  it('resolves each update as a span of the trace the projector published it with', async () => {
    const viewer = id('tess');
    const post = id('traced');
    share(post, viewer);
    const feed = await opened(async () => collect(await wsClient(viewer), FEED));
    const traceId = randomUUID().replaceAll('-', '');
    await topics.publishFeed(viewer, 'POST_ADDED', post, `00-${traceId}-00f067aa0ba902b7-01`);
    await until('the update', () => (feed.results.length > 0 ? true : undefined));
    const seen = state.traces?.get(post);
    expect(seen).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen).not.toContain('00f067aa0ba902b7');
  });

  it('never delivers a post the viewer may not see, and stops at once when the audience changes', async () => {
    const viewer = id('bob');
    const [hidden, shared, marker] = [id('hidden'), id('shared'), id('marker')];
    share(hidden, 'somebody-else');
    share(shared, viewer);
    share(marker, viewer);
    const feed = await opened(async () => collect(await wsClient(viewer), FEED));
    await topics.publishFeed(viewer, 'POST_ADDED', hidden);
    await topics.publishFeed(viewer, 'POST_ADDED', shared);
    await until('the shared post', () => (feed.results.length >= 1 ? true : undefined));
    // The author files the viewer out of the audience: the next update of that post is not delivered.
    share(shared, 'somebody-else');
    await topics.publishFeed(viewer, 'POST_ADDED', shared);
    await topics.publishFeed(viewer, 'POST_REMOVED', shared);
    await topics.publishFeed(viewer, 'POST_ADDED', marker);
    await until('the marker', () => (feed.results.length >= 3 ? true : undefined));
    expect(feedOf(feed).map((update) => [update?.kind, update?.postId, update?.post === null])).toEqual([
      ['POST_ADDED', shared, false],
      ['POST_REMOVED', shared, true],
      ['POST_ADDED', marker, false],
    ]);
  });

  it('resumes after a cursor with what was missed, in order, without duplicates, then live updates', async () => {
    const viewer = id('cyd');
    const postIds = [id('p1'), id('p2'), id('p3'), id('p4')];
    for (const post of postIds) share(post, viewer);
    const client = await wsClient(viewer);
    const first = await opened(() => collect(client, FEED));
    await topics.publishFeed(viewer, 'POST_ADDED', postIds[0]!);
    await until('the first update', () => (first.results.length > 0 ? true : undefined));
    await closed(() => first.stop());
    const cursor = feedOf(first)[0]?.cursor as string;
    await topics.publishFeed(viewer, 'POST_ADDED', postIds[1]!);
    await topics.publishFeed(viewer, 'POST_ADDED', postIds[2]!);
    await sleep(300);

    const resumed = collect(client, FEED, { after: cursor });
    await until('the missed updates', () => (resumed.results.length >= 2 ? true : undefined));
    await topics.publishFeed(viewer, 'POST_ADDED', postIds[3]!);
    await until('the live update', () => (resumed.results.length >= 3 ? true : undefined));
    await sleep(200);
    expect(feedOf(resumed).map((update) => update?.postId)).toEqual(postIds.slice(1));
    const cursors = feedOf(resumed).map((update) => update?.cursor);
    expect(new Set([cursor, ...cursors]).size).toBe(4);
  });

  it('refuses a cursor older than the replay window with CURSOR_EXPIRED, and a malformed one with BAD_USER_INPUT', async () => {
    const viewer = id('dee');
    const post = id('post');
    share(post, viewer);
    const client = await wsClient(viewer);
    const feed = await opened(() => collect(client, FEED));
    // The window keeps 8 records per partition: 10 of this viewer's push its first out.
    for (let n = 0; n < 10; n++) {
      await topics.publishFeed(viewer, 'POST_ADDED', post);
      await until(`update ${n + 1}`, () => (feed.results.length > n ? true : undefined));
    }
    const cursors = feedOf(feed).map((update) => update?.cursor as string);

    const expired = collect(client, FEED, { after: cursors[0] });
    await until('the refusal', () => (expired.errors.length > 0 ? true : undefined));
    expect(expired.errors[0]).toEqual([expect.objectContaining({ extensions: { code: 'CURSOR_EXPIRED' } })]);

    const recent = collect(client, FEED, { after: cursors[8] });
    await until('the last update again', () => (recent.results.length > 0 ? true : undefined));
    expect(feedOf(recent).map((update) => update?.cursor)).toEqual([cursors[9]]);
    await closed(() => recent.stop());

    const malformed = collect(client, FEED, { after: 'not-a-cursor' });
    await until('the refusal', () => (malformed.errors.length > 0 ? true : undefined));
    expect(malformed.errors[0]).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  it('refuses an anonymous feed, an invalid document and a post the viewer may not see, with codes', async () => {
    const anonymous = collect(await wsClient(undefined), FEED);
    const viewer = id('eve');
    const client = await wsClient(viewer);
    const invalid = collect(client, 'subscription { feedUpdated { nope } }');
    const hidden = collect(client, ENGAGEMENT, { postId: id('hidden') });
    await until('three refusals', () =>
      anonymous.errors.length && invalid.errors.length && hidden.errors.length ? true : undefined,
    );
    const codeOf = (collected: Collected) =>
      (collected.errors[0] as { extensions?: { code?: string } }[])[0]?.extensions?.code;
    expect([codeOf(anonymous), codeOf(invalid), codeOf(hidden)]).toEqual([
      'UNAUTHENTICATED',
      'GRAPHQL_VALIDATION_FAILED',
      'POST_NOT_FOUND',
    ]);
  });

  it('limits subscriptions per connection with TOO_MANY_SUBSCRIPTIONS', async () => {
    const viewer = id('fay');
    const client = await wsClient(viewer);
    const open = await opened(() => [collect(client, FEED), collect(client, FEED), collect(client, FEED)], 3);
    const fourth = collect(client, FEED);
    await until('the refusal', () => (fourth.errors.length > 0 ? true : undefined));
    expect(fourth.errors[0]).toEqual([expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })]);
    expect(open.every((collected) => collected.errors.length === 0)).toBe(true);
    await closed(() => open.forEach((collected) => collected.stop()), 3);
  });

  it('drops a client that falls too far behind with close code 4413', async () => {
    const viewer = id('gus');
    const post = id('slow');
    share(post, viewer);
    state.slow.set(post, 300);
    const closes: number[] = [];
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await token(viewer)}` },
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    clients.push(client);
    const feed = await opened(() => collect(client, 'subscription { feedUpdated { postId post { caption } } }'));
    for (let n = 0; n < 8; n++) await topics.publishFeed(viewer, 'POST_ADDED', post);
    await until('the close', () => (closes.length > 0 ? true : undefined));
    expect(closes).toEqual([4413]);
    expect(feed.results.length).toBeLessThan(8);
  });
});

describe('supergraph reload', () => {
  it('keeps open subscriptions open and delivering across a reload', async () => {
    const viewer = id('kim');
    const [before, after] = [id('before'), id('after')];
    share(before, viewer);
    share(after, viewer);
    const feed = await opened(async () => collect(await wsClient(viewer), FEED));
    await topics.publishFeed(viewer, 'POST_ADDED', before);
    await until('the first update', () => (feed.results.length > 0 ? true : undefined));

    const reloads = async () =>
      (await gateway.registry.getSingleMetric('gateway_supergraph_reloads_total')?.get())?.values.find(
        (value) => value.labels.outcome === 'success',
      )?.value ?? 0;
    const reloadsBefore = await reloads();
    await writeSupergraph(
      gateway.supergraphPath,
      composeSupergraph([
        { name: 'posts', url: posts.url, typeDefs: LIVE_POSTS_SDL },
        {
          name: 'authors',
          url: authors.url,
          typeDefs: LIVE_AUTHORS_SDL.replace('displayName: String!', 'displayName: String!\n  bio: String'),
        },
      ]),
    );
    const deadline = Date.now() + 15_000;
    while ((await reloads()) <= reloadsBefore) {
      if (Date.now() > deadline) throw new Error('the supergraph was not reloaded');
      await sleep(50);
    }
    await topics.publishFeed(viewer, 'POST_ADDED', after);
    await until('the update after the reload', () => (feed.results.length > 1 ? true : undefined));
    expect(feedOf(feed).map((update) => update?.postId)).toEqual([before, after]);
    expect(feed.errors).toEqual([]);
    expect(feed.completed).toBe(false);
  });
});

describe('graphql-ws protocol errors', () => {
  it('closes with the protocol codes: 4406, 4403, 4401, 4409, 4400, 4429, 4408', async () => {
    // A client that asks for no subprotocol (one asking for another fails the handshake itself).
    const wrongProtocol = await rawSocket('');
    expect((await wrongProtocol.closed).code).toBe(4406);

    const badToken = await rawSocket();
    badToken.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope' } }));
    expect((await badToken.closed).code).toBe(4403);

    const early = await rawSocket();
    early.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: FEED } }));
    expect((await early.closed).code).toBe(4401);

    const twice = await rawSocket();
    twice.socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await token('hal')}` } }),
    );
    await until('the ack', () => (twice.messages.some((m) => m.type === 'connection_ack') ? true : undefined));
    twice.socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: FEED } }));
    twice.socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: FEED } }));
    expect((await twice.closed).code).toBe(4409);

    const garbage = await rawSocket();
    garbage.socket.send('{not json');
    expect((await garbage.closed).code).toBe(4400);

    const reinit = await rawSocket();
    reinit.socket.send(JSON.stringify({ type: 'connection_init' }));
    reinit.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await reinit.closed).code).toBe(4429);

    const silent = await rawSocket();
    expect((await silent.closed).code).toBe(4408);
  });
});

describe('subscriptions over SSE', () => {
  it('streams postEngagement with the latest comment, resumes by Last-Event-ID, and ends when the post is no longer visible', async () => {
    const viewer = id('ivy');
    const post = id('post');
    share(post, viewer);
    state.comments.set(post, [{ id: 'c2', text: 'newest' }]);
    const authorization = `Bearer ${await token(viewer)}`;
    const first = await opened(() => sse({ query: ENGAGEMENT, variables: { postId: post } }, { authorization }));
    await topics.publishEngagement(post, { loves: 1, comments: 1, latestCommentId: 'c2' });
    await until('the first event', () => (first.events.length > 0 ? true : undefined));
    first.abort();
    const [event] = first.events;
    expect(event?.event).toBe('next');
    const payload = JSON.parse(event!.data);
    expect(payload).toEqual({
      data: {
        postEngagement: {
          postId: post,
          loveCount: 1,
          commentCount: 1,
          cursor: event!.id,
          latestComment: { text: 'newest' },
        },
      },
    });

    await topics.publishEngagement(post, { loves: 2, comments: 1 });
    await topics.publishEngagement(post, { loves: 3, comments: 1 });
    await sleep(300);
    const resumed = sse(
      { query: ENGAGEMENT, variables: { postId: post } },
      { authorization, 'last-event-id': event!.id! },
    );
    await until('the missed events', () => (resumed.events.length >= 2 ? true : undefined));
    expect(resumed.events.map((e) => JSON.parse(e.data).data.postEngagement.loveCount)).toEqual([2, 3]);

    share(post, 'somebody-else');
    await topics.publishEngagement(post, { loves: 4, comments: 1 });
    await until('the end of the stream', () => (resumed.events.some((e) => e.event === 'complete') ? true : undefined));
    const last = resumed.events.filter((e) => e.event === 'next').at(-1)!;
    expect(JSON.parse(last.data)).toEqual({
      data: null,
      errors: [expect.objectContaining({ extensions: { code: 'POST_NOT_FOUND' } })],
    });
    await resumed.done;
  });

  it('answers an invalid token with 401 and a refused subscription with a next event then complete', async () => {
    const refused = sse({ query: FEED }, { authorization: 'Bearer nope' });
    expect(await refused.done).toBe(401);
    const anonymous = sse({ query: FEED }, {});
    expect(await anonymous.done).toBe(200);
    expect(anonymous.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(JSON.parse(anonymous.events[0]!.data).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('a token that expires during a live connection', () => {
  /** A token that expires in 3–4 s (JWT `exp` is whole seconds; the margin is for a loaded machine), and that expiry in ms. */
  async function shortToken(viewerId: string): Promise<{ authorization: string; expiresAt: number }> {
    const jwt = await mintToken(JWT_SECRET, viewerId, { expiresIn: '4s' });
    return { authorization: `Bearer ${jwt}`, expiresAt: decodeJwt(jwt).exp! * 1000 };
  }

  it('graphql-ws: closes with 4403 at expiry, sends nothing after it (not even a delivery in flight), and a fresh token with the cursor gets what was missed, once', async () => {
    const viewer = id('uma');
    const [before, inFlight, after] = [id('before'), id('in-flight'), id('after')];
    for (const post of [before, inFlight, after]) share(post, viewer);
    // Resolving this one takes 1.5 s: published just before the expiry, its delivery is still running at it.
    state.slow.set(inFlight, 1500);
    const { authorization, expiresAt } = await shortToken(viewer);
    const received: {
      at: number;
      message: { type?: string; payload?: { data?: { feedUpdated?: FeedUpdateResult } } };
    }[] = [];
    const client = await opened(async () => {
      const raw = await rawSocket();
      raw.socket.on('message', (data) => received.push({ at: Date.now(), message: JSON.parse(data.toString()) }));
      raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
      await until('the ack', () => (raw.messages.some((m) => m.type === 'connection_ack') ? true : undefined));
      raw.socket.send(JSON.stringify({ id: 'feed', type: 'subscribe', payload: { query: FEED } }));
      return raw;
    });
    await topics.publishFeed(viewer, 'POST_ADDED', before);
    await until('the first update', () => (received.some((r) => r.message.type === 'next') ? true : undefined));
    const cursor = received.find((r) => r.message.type === 'next')!.message.payload!.data!.feedUpdated!.cursor!;

    await sleep(Math.max(0, expiresAt - 700 - Date.now()));
    await topics.publishFeed(viewer, 'POST_ADDED', inFlight);
    const ending = await Promise.race([client.closed, sleep(expiresAt + 3000 - Date.now()).then(() => undefined)]);
    expect(ending, 'the connection is still open 3 s after its token expired').toEqual({
      code: 4403,
      reason: expect.stringMatching(/expired/),
    });
    // Give a delivery that would have gone out late every chance to arrive.
    await sleep(Math.max(0, expiresAt + 1500 - Date.now()));
    const updates = received.filter((r) => r.message.type === 'next');
    expect(updates.map((r) => r.message.payload?.data?.feedUpdated?.postId)).toEqual([before]);
    expect(received.every((r) => r.at < expiresAt)).toBe(true);

    await topics.publishFeed(viewer, 'POST_ADDED', after);
    const renewed = await opened(async () => collect(await wsClient(viewer), FEED, { after: cursor }));
    await until('the missed updates', () => (renewed.results.length >= 2 ? true : undefined), 20_000);
    await sleep(300);
    expect(feedOf(renewed).map((update) => update?.postId)).toEqual([inFlight, after]);
    const ended = await gateway.registry.getSingleMetric('gateway_live_connections_ended_total')?.get();
    expect(ended?.values).toContainEqual(
      expect.objectContaining({ labels: { transport: 'ws', reason: 'TOKEN_EXPIRED' }, value: 1 }),
    );
    await closed(() => renewed.stop());
  });

  it('SSE: ends the stream at expiry with a TOKEN_EXPIRED event and nothing after, and Last-Event-ID with a fresh token resumes from there, once', async () => {
    const viewer = id('val');
    const [before, inFlight, after] = [id('before'), id('in-flight'), id('after')];
    for (const post of [before, inFlight, after]) share(post, viewer);
    state.slow.set(inFlight, 1500);
    const { authorization, expiresAt } = await shortToken(viewer);
    const stream = await opened(() => sse({ query: FEED }, { authorization }));
    await topics.publishFeed(viewer, 'POST_ADDED', before);
    await until('the first event', () => (stream.events.length > 0 ? true : undefined));
    await sleep(Math.max(0, expiresAt - 700 - Date.now()));
    await topics.publishFeed(viewer, 'POST_ADDED', inFlight);
    const ended = await Promise.race([stream.done, sleep(expiresAt + 3000 - Date.now()).then(() => undefined)]);
    stream.abort();
    expect(ended, 'the stream is still open 3 s after its token expired').toBe(200);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
    expect(JSON.parse(stream.events[0]!.data).data.feedUpdated.postId).toBe(before);
    expect(JSON.parse(stream.events[1]!.data)).toEqual({
      errors: [expect.objectContaining({ extensions: { code: 'TOKEN_EXPIRED' } })],
    });

    await topics.publishFeed(viewer, 'POST_ADDED', after);
    const resumed = await opened(async () =>
      sse({ query: FEED }, { authorization: `Bearer ${await token(viewer)}`, 'last-event-id': stream.events[0]!.id! }),
    );
    await until('the missed events', () => (resumed.events.length >= 2 ? true : undefined), 20_000);
    await sleep(300);
    resumed.abort();
    expect(resumed.events.map((e) => JSON.parse(e.data).data.feedUpdated.postId)).toEqual([inFlight, after]);
  });
});
