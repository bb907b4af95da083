/**
 * A quick measurement, not a test: heap per idle graphql-ws subscriber, and publish-to-receive
 * latency of feed updates while they are connected.
 *
 *   node --expose-gc --import tsx gateway/src/live/bench/idleSubscribers.ts [subscribers] [events]
 *
 * The gateway (over in-memory test subgraphs and fresh topics on the real Kafka) runs in this
 * process; the clients run in a child process, so the heap measured is the gateway's.
 * BENCH_MODE=open (connections only) or init (connections acknowledged, no subscription) gives
 * the baselines; BENCH_SNAPSHOT=/tmp/name writes heap snapshots before and after.
 */
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

import WebSocket from 'ws';

import { mintToken } from '../../auth/mintToken.ts';
import { JWT_SECRET, startTestGateway } from '../../testing/testWorld.ts';
import {
  freshLiveTopics,
  LIVE_AUTHORS_SDL,
  LIVE_POSTS_SDL,
  startLiveAuthorsSubgraph,
  startLivePostsSubgraph,
  type LivePostsState,
} from '../testing/liveWorld.ts';

const FEED = 'subscription { feedUpdated { kind postId cursor post { caption author { displayName } } } }';

async function clients(url: string, count: number): Promise<void> {
  const latencies: number[] = [];
  let ready = 0;
  const open = async (index: number) => {
    const token = await mintToken(JWT_SECRET, `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    if (process.env.BENCH_MODE === 'open') {
      socket.on('open', () => {
        ready += 1;
        if (ready === count) process.send?.({ ready });
      });
      return;
    }
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        payload?: { data?: { feedUpdated?: { postId: string } } };
      };
      if (message.type === 'connection_ack') {
        if (process.env.BENCH_MODE !== 'init') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: FEED } }));
        }
        ready += 1;
        if (ready === count) process.send?.({ ready });
      } else if (message.type === 'next') {
        const postId = message.payload?.data?.feedUpdated?.postId ?? '';
        latencies.push(Date.now() - Number(postId.split('-')[1]));
      }
    });
  };
  for (let index = 0; index < count; index += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - index) }, (_, offset) => open(index + offset)));
  }
  process.on('message', (message: { report?: boolean }) => {
    if (message.report) process.send?.({ latencies });
  });
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const events = Number(process.argv[3] ?? 200);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const everyone = { has: () => true };
  const state: LivePostsState = {
    audience: { get: () => everyone } as unknown as Map<string, Set<string>>,
    comments: new Map(),
    slow: new Map(),
  };
  const topics = await freshLiveTopics(12);
  const [posts, authors] = await Promise.all([startLivePostsSubgraph(state), startLiveAuthorsSubgraph()]);
  const gateway = await startTestGateway({
    subgraphs: [
      { name: 'posts', url: posts.url, typeDefs: LIVE_POSTS_SDL },
      { name: 'authors', url: authors.url, typeDefs: LIVE_AUTHORS_SDL },
    ],
    env: {
      GATEWAY_LIVE_FEED_TOPIC: topics.feed,
      GATEWAY_LIVE_ENGAGEMENT_TOPIC: topics.engagement,
      GATEWAY_LIVE_CONSUME_ON_START: 'true',
      GATEWAY_LIVE_MAX_SUBSCRIPTIONS_PER_VIEWER: '10',
    },
  });
  await sleep(5000);
  gc();
  await sleep(200);
  gc();
  const before = process.memoryUsage();
  if (process.env.BENCH_SNAPSHOT) writeHeapSnapshot(`${process.env.BENCH_SNAPSHOT}.before.heapsnapshot`);
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--client', `${gateway.url.replace(/^http/, 'ws')}/graphql`, String(count)],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  await new Promise<void>((resolve) =>
    child.on('message', (message: { ready?: number }) => message.ready && resolve()),
  );
  await sleep(2000);
  gc();
  await sleep(200);
  gc();
  const after = process.memoryUsage();
  if (process.env.BENCH_SNAPSHOT) writeHeapSnapshot(`${process.env.BENCH_SNAPSHOT}.after.heapsnapshot`);
  const perSubscriber = (after.heapUsed - before.heapUsed) / count;
  console.log(
    JSON.stringify({
      subscribers: count,
      heapPerSubscriberBytes: Math.round(perSubscriber),
      rssPerSubscriberBytes: Math.round((after.rss - before.rss) / count),
      externalPerSubscriberBytes: Math.round(
        (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / count,
      ),
    }),
  );

  for (let n = 0; n < events; n++) {
    const viewer = `00000000-0000-4000-8000-${String(Math.floor(Math.random() * count)).padStart(12, '0')}`;
    await topics.publishFeed(viewer, 'POST_ADDED', `p-${Date.now()}`);
    await sleep(20);
  }
  await sleep(2000);
  child.send({ report: true });
  const latencies = await new Promise<number[]>((resolve) =>
    child.on('message', (message: { latencies?: number[] }) => message.latencies && resolve(message.latencies)),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(
    JSON.stringify({ events, received: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies.at(-1) }),
  );
  child.kill();
  await gateway.stop();
  await Promise.all([posts.stop(), authors.stop()]);
  await topics.drop();
}

if (process.argv[2] === '--client') await clients(process.argv[3]!, Number(process.argv[4]));
else await main();
