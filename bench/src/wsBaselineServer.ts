/**
 * The `ws` baseline of `npm run bench -- live`, in a process of its own (node --expose-gc):
 * graphql-ws's own server on the `ws` package, with their defaults (but a longer wait for
 * connection_init), serving a schema with the
 * gateway's `feedUpdated` shape whose subscriptions never yield, so every subscriber stays idle
 * as the gateway's idle ones do. This is what the gateway's hand-written WebSocket layer
 * replaced (gateway/src/live/README.md, "Memory and backpressure"): the bench measures both the
 * same way, so the reason stays checkable.
 *
 * IPC: sends `{ url }` once listening; answers `{ settle: true }` with `{ memory }` after
 * settling garbage collection as the gateway's /debug/gc does (four collections, 2 s apart).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { feedUpdated(after: String): FeedUpdate! }
  enum FeedUpdateKind { POST_ADDED POST_REMOVED }
  type FeedUpdate { kind: FeedUpdateKind! postId: ID! post: Post cursor: String! }
  type Post { id: ID! caption: String! author: User! loveCount: Int! }
  type User { displayName: String! }
`);

/** An event stream that never has an event: an idle subscription, held until the client leaves. */
function idleStream(): AsyncIterableIterator<never> {
  let wake: ((result: IteratorResult<never>) => void) | undefined;
  const iterator: AsyncIterableIterator<never> = {
    next: () => new Promise((resolve) => (wake = resolve)),
    return: async () => {
      wake?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const roots = { feedUpdated: () => idleStream() };

async function settle(gc: () => void) {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(2000);
  }
  gc();
  const { heapUsed } = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
  return { heapUsed, rss };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/graphql' });
// Its defaults, but for the 3 s wait for connection_init: thousands of handshakes on a loaded
// machine take longer, and the timer is cleared at connection_init either way (no memory kept).
useServer({ schema, roots: { subscription: roots }, connectionInitWaitTimeout: 60_000 }, server);
server.on('listening', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `ws://127.0.0.1:${port}/graphql` });
});
process.on('message', (message: { settle?: boolean }) => {
  if (message.settle) void settle(gc).then((memory) => process.send?.({ memory }));
});
process.on('disconnect', () => process.exit(0));
