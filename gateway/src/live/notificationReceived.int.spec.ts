import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { mintToken } from '../auth/mintToken.ts';
import type { TestSubgraph } from '../testing/testSubgraph.ts';
import { JWT_SECRET, startTestGateway, type TestGateway } from '../testing/testWorld.ts';
import {
  freshNotificationTopic,
  LIVE_USERS_SDL,
  startLiveUsersSubgraph,
  type LiveNotificationTopic,
} from './testing/liveNotifications.ts';
import {
  freshLiveTopics,
  LIVE_POSTS_SDL,
  startLivePostsSubgraph,
  until,
  type LivePostsState,
  type LiveTopics,
} from './testing/liveWorld.ts';

const state: LivePostsState = { audience: new Map(), comments: new Map(), slow: new Map() };
let topics: LiveTopics;
let notifications: LiveNotificationTopic;
let posts: TestSubgraph;
let users: TestSubgraph;
let gateway: TestGateway;
let wsUrl: string;
const clients: Client[] = [];

const RECEIVED = `subscription Received($after: String) {
  notificationReceived(after: $after) { id kind occurredAt cursor actor { id displayName } post { id caption } }
}`;

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const share = (postId: string, ...viewers: string[]) => state.audience.set(postId, new Set(viewers));

interface Received {
  readonly id?: string;
  readonly kind?: string;
  readonly cursor?: string;
  readonly actor?: unknown;
  readonly post?: unknown;
}

interface Collected {
  readonly results: {
    data?: { notificationReceived?: Received } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  }[];
  readonly errors: unknown[];
  stop(): void;
}

async function wsClient(viewerId: string | undefined): Promise<Client> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: viewerId ? { authorization: `Bearer ${await mintToken(JWT_SECRET, viewerId)}` } : {},
    onNonLazyError: () => {},
  });
  clients.push(client);
  return client;
}

function collect(client: Client, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = { results: [], errors: [], stop: () => {} };
  collected.stop = client.subscribe(
    { query: RECEIVED, variables },
    {
      next: (result) => collected.results.push(result as Collected['results'][number]),
      error: (error) => collected.errors.push(error),
      complete: () => {},
    },
  );
  return collected;
}

const received = (c: Collected) => c.results.map((r) => r.data?.notificationReceived);

async function liveSubscriptions(): Promise<number> {
  const metric = await gateway.registry.getSingleMetric('gateway_live_subscriptions')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

/** Opens a subscription and waits until the gateway has registered it, so nothing published next is missed. */
async function opened(viewerId: string, variables: Record<string, unknown> = {}): Promise<Collected> {
  const before = await liveSubscriptions();
  const collected = collect(await wsClient(viewerId), variables);
  const deadline = Date.now() + 15_000;
  while ((await liveSubscriptions()) < before + 1) {
    if (Date.now() > deadline)
      throw new Error(`the gateway did not register the subscription: ${JSON.stringify(collected)}`);
    await sleep(20);
  }
  return collected;
}

beforeAll(async () => {
  topics = await freshLiveTopics(2);
  notifications = await freshNotificationTopic(topics.kafka, topics.producer);
  [posts, users] = await Promise.all([startLivePostsSubgraph(state), startLiveUsersSubgraph()]);
  gateway = await startTestGateway({
    subgraphs: [
      { name: 'posts', url: posts.url, typeDefs: LIVE_POSTS_SDL },
      { name: 'users', url: users.url, typeDefs: LIVE_USERS_SDL },
    ],
    env: {
      GATEWAY_LIVE_FEED_TOPIC: topics.feed,
      GATEWAY_LIVE_ENGAGEMENT_TOPIC: topics.engagement,
      GATEWAY_LIVE_NOTIFICATION_TOPIC: notifications.topic,
      GATEWAY_LIVE_CONSUME_ON_START: 'true',
      GATEWAY_LIVE_MAX_BUFFERED_EVENTS: '3',
    },
  });
  wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
  // Ready when a notification published now reaches a subscriber (the consumer has joined its group).
  const viewer = id('warmup');
  const warm = collect(await wsClient(viewer));
  const deadline = Date.now() + 90_000;
  while (warm.results.length === 0) {
    if (Date.now() > deadline) throw new Error(`the live consumer delivered nothing: ${JSON.stringify(warm.errors)}`);
    await notifications.publish(viewer, { kind: 'FOLLOWED', actorId: 'someone' });
    await sleep(500);
  }
  warm.stop();
  const closing = Date.now() + 15_000;
  while ((await liveSubscriptions()) > 0 && Date.now() < closing) await sleep(20);
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await gateway?.stop();
  await Promise.all([posts?.stop(), users?.stop()]);
  await notifications?.drop();
  await topics?.drop();
});

describe('notificationReceived over graphql-ws', () => {
  it('delivers the viewer’s notifications with actor and post resolved through the federated path, as the viewer', async () => {
    const viewer = id('ann');
    const fan = id('fan');
    const post = id('post');
    share(post, viewer);
    const live = await opened(viewer);
    await notifications.publish(id('stranger'), { kind: 'FOLLOWED', actorId: fan });
    const at = new Date('2026-12-01T10:00:00.000Z');
    const loved = await notifications.publish(viewer, { kind: 'POST_LOVED', actorId: fan, postId: post, at });
    const followed = await notifications.publish(viewer, { kind: 'FOLLOWED', actorId: fan });
    await until('two notifications', () => (live.results.length >= 2 ? true : undefined));
    expect(live.results[0]).toEqual({
      data: {
        notificationReceived: {
          id: loved,
          kind: 'POST_LOVED',
          occurredAt: at.toISOString(),
          cursor: expect.any(String),
          actor: { id: fan, displayName: `Name of ${fan}` },
          post: { id: post, caption: `caption of ${post}` },
        },
      },
    });
    expect(received(live)[1]).toMatchObject({ id: followed, kind: 'FOLLOWED', post: null, actor: { id: fan } });
    await sleep(300);
    expect(live.results).toHaveLength(2);
  });

  it('resumes after a cursor: what was missed, in order, once', async () => {
    const viewer = id('bob');
    const first = await opened(viewer);
    const one = await notifications.publish(viewer, { kind: 'FOLLOWED', actorId: id('a') });
    await until('the first', () => (first.results.length >= 1 ? true : undefined));
    const cursor = received(first)[0]!.cursor!;
    first.stop();
    const missed = [
      await notifications.publish(viewer, { kind: 'CONNECTION_REQUESTED', actorId: id('b') }),
      await notifications.publish(viewer, { kind: 'CONNECTION_ACCEPTED', actorId: id('c') }),
    ];
    const resumed = await opened(viewer, { after: cursor });
    await until('the missed two', () => (resumed.results.length >= 2 ? true : undefined));
    await sleep(300);
    expect(received(resumed).map((n) => n?.id)).toEqual(missed);
    expect(received(resumed).map((n) => n?.id)).not.toContain(one);
  });

  it('does not deliver a notification about a post the viewer can no longer see (demoted), and goes on', async () => {
    const viewer = id('cy');
    const post = id('demoted');
    share(post, viewer);
    const live = await opened(viewer);
    await notifications.publish(viewer, { kind: 'POST_COMMENTED', actorId: id('x'), postId: post });
    await until('the first comment', () => (live.results.length >= 1 ? true : undefined));
    // The viewer's post is no longer visible to them (deleted, or its audience changed).
    share(post, 'somebody-else');
    const hidden = await notifications.publish(viewer, { kind: 'POST_LOVED', actorId: id('y'), postId: post });
    const after = await notifications.publish(viewer, { kind: 'FOLLOWED', actorId: id('z') });
    await until('the follow after it', () => (live.results.length >= 2 ? true : undefined));
    await sleep(300);
    const ids = received(live).map((n) => n?.id);
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(hidden);
    expect(ids[1]).toBe(after);
    expect(received(live)[0]).toMatchObject({ kind: 'POST_COMMENTED', post: { id: post } });
  });

  it('drops a subscriber that falls too far behind with close code 4413', async () => {
    const viewer = id('gus');
    const post = id('slow');
    share(post, viewer);
    state.slow.set(post, 300);
    const closes: number[] = [];
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await mintToken(JWT_SECRET, viewer)}` },
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    clients.push(client);
    const before = await liveSubscriptions();
    const live = collect(client);
    while ((await liveSubscriptions()) < before + 1) await sleep(20);
    for (let n = 0; n < 8; n++)
      await notifications.publish(viewer, { kind: 'POST_LOVED', actorId: id('f'), postId: post });
    await until('the close', () => (closes.length > 0 ? true : undefined));
    expect(closes).toEqual([4413]);
    expect(live.results.length).toBeLessThan(8);
  });

  it('refuses an anonymous subscriber, and a cursor of another stream', async () => {
    const anonymous = collect(await wsClient(undefined));
    await until('the refusal', () => (anonymous.errors.length > 0 || anonymous.results.length > 0 ? true : undefined));
    expect(JSON.stringify([anonymous.errors, anonymous.results])).toContain('UNAUTHENTICATED');
    const foreign = Buffer.from('f1.0.1').toString('base64url');
    const wrong = collect(await wsClient(id('dee')), { after: foreign });
    await until('the refusal', () => (wrong.errors.length > 0 || wrong.results.length > 0 ? true : undefined));
    expect(JSON.stringify([wrong.errors, wrong.results])).toContain('BAD_USER_INPUT');
  });
});
