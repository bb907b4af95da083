/**
 * The `ws` baseline beside the gateway's memory per idle subscriber: the same subscriber pool,
 * the same subscription and the same subscriber counts against graphql-ws's own server on the
 * `ws` package (wsBaselineServer.ts, its own process), read after settled garbage collection.
 * Why the gateway has a WebSocket layer of its own is this difference (gateway/src/live/README.md).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createSubscriberPool } from './liveSubscribers.ts';
import { sleep } from './stats.ts';

export interface BaselineReading {
  readonly subscribers: number;
  readonly heapUsed: number;
  readonly rss: number;
}

function ask<T>(child: ChildProcess, message: object | undefined, answer: (reply: Record<string, unknown>) => T) {
  return new Promise<NonNullable<T>>((resolve, reject) => {
    const listener = (reply: Record<string, unknown>) => {
      const value = answer(reply);
      if (value === undefined || value === null) return;
      child.off('message', listener);
      child.off('exit', exited);
      resolve(value);
    };
    const exited = (code: number | null) => reject(new Error(`the ws baseline server exited (${code})`));
    child.on('message', listener);
    child.once('exit', exited);
    if (message) child.send(message);
  });
}

/**
 * Connects idle subscribers up to each count in turn (tokens are sent but not checked: the
 * baseline pays no token verification) and reads the server's settled memory at each count.
 * Without a query the connections are only acknowledged: what `ws` and graphql-ws's connection
 * state cost, before any subscription.
 */
export async function measureWsBaseline(
  counts: readonly number[],
  query: string | undefined,
  tokenFor: (index: number) => Promise<string>,
): Promise<BaselineReading[]> {
  const child = fork(fileURLToPath(new URL('./wsBaselineServer.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const pool = createSubscriberPool({
    url: await ask(child, undefined, (reply) => reply.url as string | undefined),
    query,
  });
  const readings: BaselineReading[] = [];
  try {
    let connected = 0;
    for (const count of counts) {
      const tokens = await Promise.all(Array.from({ length: count - connected }, (_, i) => tokenFor(connected + i)));
      await pool.add(tokens);
      connected = count;
      // The subscribe messages are on their way once each connection is acknowledged.
      await sleep(2000);
      const memory = await ask(
        child,
        { settle: true },
        (reply) => reply.memory as Omit<BaselineReading, 'subscribers'>,
      );
      readings.push({ subscribers: count, ...memory });
    }
    if (pool.open !== connected) {
      throw new Error(`the ws baseline closed ${connected - pool.open} subscribers: ${JSON.stringify(pool.closes)}`);
    }
  } finally {
    pool.close();
    child.kill();
  }
  return readings;
}
