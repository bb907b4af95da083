/**
 * A quick measurement, not a test: memory per idle graphql-ws subscriber as the SLOPE between
 * two subscriber counts, each read after garbage collection has settled; then publish-to-receive
 * latency of feed updates while they are connected.
 *
 *   node --expose-gc --import tsx gateway/src/live/bench/idleSubscribers.ts [low] [high] [events]
 *
 * The gateway (over in-memory test subgraphs and fresh topics on the real Kafka) runs in this
 * process; the clients run in a child process, so the memory measured is the gateway's.
 * BENCH_MODE=open (connections only) or init (connections acknowledged, no subscription) gives
 * the baselines; BENCH_SNAPSHOT=/tmp/name writes heap snapshots at both counts.
 *
 * Why the slope and the settling: V8 grows its young generation and keeps garbage until its
 * memory reducer runs, so one reading after a single gc() is mostly noise; a fixed cost (the
 * consumer, caches, code) cancels out of a difference between two counts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

import WebSocket from 'ws';

import { mintToken } from '../../auth/mintToken.ts';
import { JWT_SECRET } from '../../testing/testWorld.ts';
import {
  freshLiveTopics,
  startLiveAuthorsSubgraph,
  startLiveGateway,
  startLivePostsSubgraph,
  type LivePostsState,
} from '../testing/liveWorld.ts';

const FEED = 'subscription { feedUpdated { kind postId cursor post { caption author { displayName } } } }';

/** The child: opens subscribers when told to, and reports the latencies it saw. */
function clients(url: string): void {
  const latencies: number[] = [];
  const mode = process.env.BENCH_MODE ?? 'subscribe';
  let opened = 0;
  const open = async (index: number): Promise<void> => {
    const token = await mintToken(JWT_SECRET, `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('open', () => {
        if (mode === 'open') return resolve();
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      });
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as {
          type: string;
          payload?: { data?: { feedUpdated?: { postId: string } } };
        };
        if (message.type === 'connection_ack') {
          if (mode !== 'init') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: FEED } }));
          resolve();
        } else if (message.type === 'next') {
          const postId = message.payload?.data?.feedUpdated?.postId ?? '';
          latencies.push(Date.now() - Number(postId.split('-')[1]));
        }
      });
    });
  };
  process.on('message', (message: { open?: number; report?: boolean }) => {
    if (message.report) process.send?.({ latencies });
    if (message.open === undefined) return;
    const target = message.open;
    void (async () => {
      while (opened < target) {
        const batch = Math.min(200, target - opened);
        await Promise.all(Array.from({ length: batch }, (_, offset) => open(opened + offset)));
        opened += batch;
      }
      process.send?.({ opened });
    })();
  });
}

/** gc() four times, 2 s apart, so the memory reducer has shrunk what it will. */
async function settle(gc: () => void): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(2000);
  }
  gc();
  return process.memoryUsage();
}

function ask<T>(child: ChildProcess, message: object, answer: (reply: Record<string, unknown>) => T | undefined) {
  return new Promise<T>((resolve) => {
    const listener = (reply: Record<string, unknown>) => {
      const value = answer(reply);
      if (value === undefined) return;
      child.off('message', listener);
      resolve(value);
    };
    child.on('message', listener);
    child.send(message);
  });
}

async function main(): Promise<void> {
  const low = Number(process.argv[2] ?? 2000);
  const high = Number(process.argv[3] ?? 6000);
  const events = Number(process.argv[4] ?? 100);
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
  const gateway = await startLiveGateway({ posts, authors }, topics, {
    GATEWAY_LIVE_MAX_SUBSCRIPTIONS_PER_VIEWER: '10',
    // BENCH_MODE=open never sends connection_init, and init never subscribes: their sockets must outlive the measurement.
    GATEWAY_LIVE_INIT_TIMEOUT_MS: '3600000',
    GATEWAY_LIVE_IDLE_TIMEOUT_MS: '3600000',
    // Every client connects from this host.
    GATEWAY_LIVE_MAX_CONNECTIONS_PER_ADDRESS: String(high + 100),
    GATEWAY_LIVE_MAX_CONNECTIONS: String(high + 100),
  });
  const child = fork(fileURLToPath(import.meta.url), ['--client', `${gateway.url.replace(/^http/, 'ws')}/graphql`], {
    execArgv: ['--import', 'tsx'],
  });
  const readings: { count: number; memory: NodeJS.MemoryUsage }[] = [];
  for (const count of [low, high]) {
    await ask(child, { open: count }, (reply) => reply.opened as number | undefined);
    await sleep(1000);
    const memory = await settle(gc);
    readings.push({ count, memory });
    if (process.env.BENCH_SNAPSHOT) writeHeapSnapshot(`${process.env.BENCH_SNAPSHOT}.${count}.heapsnapshot`);
  }
  const [a, b] = readings as [(typeof readings)[0], (typeof readings)[0]];
  const per = (key: 'heapUsed' | 'heapTotal' | 'rss' | 'external' | 'arrayBuffers') =>
    Math.round((b.memory[key] - a.memory[key]) / (b.count - a.count));
  console.log(
    JSON.stringify({
      mode: process.env.BENCH_MODE ?? 'subscribe',
      between: [low, high],
      perSubscriberBytes: {
        heapUsed: per('heapUsed'),
        heapTotal: per('heapTotal'),
        rss: per('rss'),
        external: per('external'),
        arrayBuffers: per('arrayBuffers'),
      },
    }),
  );

  if (events > 0 && process.env.BENCH_MODE === undefined) {
    for (let n = 0; n < events; n++) {
      const viewer = `00000000-0000-4000-8000-${String(Math.floor(Math.random() * high)).padStart(12, '0')}`;
      await topics.publishFeed(viewer, 'POST_ADDED', `p-${Date.now()}`);
      await sleep(20);
    }
    await sleep(2000);
    const latencies = await ask(child, { report: true }, (reply) => reply.latencies as number[] | undefined);
    latencies.sort((x, y) => x - y);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    console.log(
      JSON.stringify({ events, received: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies.at(-1) }),
    );
  }
  child.kill();
  await gateway.stop();
  await Promise.all([posts.stop(), authors.stop()]);
  await topics.drop();
}

if (process.argv[2] === '--client') clients(process.argv[3]!);
else await main();
