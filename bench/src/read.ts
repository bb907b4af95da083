/**
 * `npm run bench -- read`: the home-feed query (20 posts with author, counts and
 * viewerHasLoved) through our gateway and through a stock Apollo Server + @apollo/gateway,
 * over the same subgraphs, in the same run, on the same cores, one after the other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { mintTokenForEnv } from '@verograph/gateway';
import { repoRoot, type RunningService } from '@verograph/stack';

import { cpuMeter, enginePids } from './processCpu.ts';
import { productionEnv, startProcess, startQuietSystem } from './system.ts';

interface Figures {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** CPU milliseconds per answered request, by process. */
  readonly cpuPerRequest: Record<string, number>;
}

export async function benchRead(options: { seconds: number; connections: number }): Promise<void> {
  const system = await startQuietSystem();
  const stock = await startProcess(
    'bench/src/stockGateway.ts',
    { ...productionEnv(), STOCK_GATEWAY_PORT: '4500' },
    /ready at/,
  );
  try {
    const ours = 'http://127.0.0.1:4000/graphql';
    const baseline = 'http://127.0.0.1:4500/';
    const token = await seedFeed(ours);
    const body = JSON.stringify({ query: readFileSync(join(repoRoot, 'schema/operations/HomeFeed.graphql'), 'utf8') });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    for (const [name, url] of [
      ['ours', ours],
      ['stock', baseline],
    ] as const) {
      const answer = (await (await fetch(url, { method: 'POST', headers, body })).json()) as {
        data?: { feed: { edges: unknown[] } };
        errors?: unknown[];
      };
      if (answer.errors || answer.data?.feed.edges.length !== 20) {
        throw new Error(
          `${name} gateway does not answer the home feed correctly: ${JSON.stringify(answer).slice(0, 400)}`,
        );
      }
    }
    const pids: Record<string, number> = {
      'gateway (ours)': gatewayPid(system.services),
      'gateway (stock)': stock.pid ?? 0,
      ...Object.fromEntries(
        system.services
          .filter((s) => s.definition.name !== 'gateway')
          .map((s) => [`${s.definition.name} service`, s.child.pid ?? 0]),
      ),
      ...enginePids(),
      'load generator': process.pid,
    };
    // What each process burns with no request at all (compaction, consumer polls, heartbeats),
    // taken off each round so the figures below are the cost of the requests themselves.
    const idleMeter = cpuMeter(pids);
    const idleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idleSpent = idleMeter.stop();
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const idlePerSecond = Object.fromEntries(Object.entries(idleSpent).map(([name, ms]) => [name, ms / idleSeconds]));
    const measure = (url: string, seconds: number) =>
      load(url, headers, body, seconds, options.connections, pids, idlePerSecond);
    // Warm both (JIT, query-plan caches, connection pools), then alternate so drift hits both alike.
    // Long enough for the engines' JIT too: Cassandra's C2 compiles its read path over ~10 s of load.
    await measure(ours, 10);
    await measure(baseline, 5);
    const runs: Record<'ours' | 'stock', Figures[]> = { ours: [], stock: [] };
    // ours, stock, then stock, ours: a machine that speeds up or slows down during the run
    // (JIT, a subgraph catching up after start, a neighbour's load) weighs on both alike.
    for (let round = 0; round < 2; round++) {
      const order = round % 2 === 0 ? (['ours', 'stock'] as const) : (['stock', 'ours'] as const);
      for (const side of order) runs[side].push(await measure(side === 'ours' ? ours : baseline, options.seconds));
    }
    const best = (figures: Figures[]) => figures.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const o = best(runs.ours);
    const s = best(runs.stock);
    console.log(
      `\nhome feed (20 posts), ${options.connections} connections, ${options.seconds}s × 2 rounds each, best round`,
    );
    // What each side does, so the ratio is read for what it is. Both are one Node process on
    // the same (unpinned) cores, over the same subgraph processes, warmed alike, measured in turn.
    console.log(
      [
        'ours:  gateway/ as `npm start` runs it: JWT check (verified tokens remembered until expiry, ≤60 s),',
        '       trusted documents, depth/alias/cost limits, metrics, request logs, keep-alive node:http to subgraphs,',
        '       public User entity cache (username, displayName, avatarUrl…; TTL 5 s, dropped on users.events).',
        'stock: Apollo Server standalone + @apollo/gateway defaults, JWT verified per request, signed viewer headers.',
      ].join('\n'),
    );
    console.log(
      `${'gateway'.padEnd(34)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}`,
    );
    for (const [name, f] of [
      ['ours (gateway/)', o],
      ['stock Apollo Server + @apollo/gateway', s],
    ] as const) {
      console.log(
        `${name.padEnd(34)}${f.requestsPerSecond.toFixed(0).padStart(9)}${f.p50.toFixed(1).padStart(9)}${f.p99.toFixed(1).padStart(9)}${String(f.errors).padStart(8)}`,
      );
    }
    console.log(
      '\nCPU ms per request, by process (same best rounds, each process’s idle use measured for 5 s first and taken ' +
        'off; under 0.05 ms left out):',
    );
    console.log(
      `idle use, ms of CPU per second: ${Object.entries(idlePerSecond)
        .filter(([, ms]) => ms >= 1)
        .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
        .join(', ')}`,
    );
    console.log(`${'process'.padEnd(34)}${'ours'.padStart(9)}${'stock'.padStart(9)}`);
    for (const name of Object.keys(pids)) {
      const a = o.cpuPerRequest[name] ?? 0;
      const b = s.cpuPerRequest[name] ?? 0;
      if (a < 0.05 && b < 0.05) continue;
      console.log(`${name.padEnd(34)}${a.toFixed(2).padStart(9)}${b.toFixed(2).padStart(9)}`);
    }
    const total = (f: Figures) => Object.values(f.cpuPerRequest).reduce((sum, ms) => sum + ms, 0);
    console.log(`${'all'.padEnd(34)}${total(o).toFixed(2).padStart(9)}${total(s).toFixed(2).padStart(9)}`);
    // The machine's cores are shared by everything above, so requests/s follow total CPU per
    // request: this is the ratio a gateway of ours that cost nothing at all could reach here.
    const rest = total(o) - (o.cpuPerRequest['gateway (ours)'] ?? 0);
    console.log(
      `bound: with the rest of ours unchanged (${rest.toFixed(2)} ms), a gateway costing 0 ms would reach at most ` +
        `${(total(s) / rest).toFixed(2)}× by CPU per request`,
    );
    console.log(
      `ratio ours/stock: ${(o.requestsPerSecond / s.requestsPerSecond).toFixed(2)}× requests/s, ` +
        `p99 ${(o.p99 / s.p99).toFixed(2)}× (target ≥ 3× requests/s at equal or lower p99)`,
    );
  } finally {
    stock.kill('SIGTERM');
    await system.stop();
  }
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds: number,
  connections: number,
  pids: Readonly<Record<string, number>>,
  idlePerSecond: Readonly<Record<string, number>>,
): Promise<Figures> {
  const meter = cpuMeter(pids);
  const started = performance.now();
  const result = await autocannon({ url, method: 'POST', headers, body, duration: seconds, connections });
  const cpu = meter.stop();
  const elapsed = (performance.now() - started) / 1000;
  const answered = Math.max(1, result.requests.total);
  return {
    cpuPerRequest: Object.fromEntries(
      Object.entries(cpu).map(([name, ms]) => [
        name,
        Math.max(0, ms - (idlePerSecond[name] ?? 0) * elapsed) / answered,
      ]),
    ),
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

function gatewayPid(services: readonly RunningService[]): number {
  const gateway = services.find((s) => s.definition.name === 'gateway');
  if (gateway?.child.pid === undefined) throw new Error('the gateway service is not running');
  return gateway.child.pid;
}

/** A viewer who follows ten authors with three posts each, through the real write path. */
async function seedFeed(gateway: string): Promise<string> {
  const run = Math.random().toString(36).slice(2, 8);
  const call = async (userId: string, query: string, variables: Record<string, unknown>) => {
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintTokenForEnv(userId)}` },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as { data?: Record<string, { status: string }>; errors?: unknown[] };
    const status = answer.data ? Object.values(answer.data)[0]?.status : undefined;
    if (answer.errors || status !== 'APPLIED') throw new Error(`seeding failed: ${JSON.stringify(answer)}`);
  };
  const viewer = `bench-viewer-${run}`;
  const authors = Array.from({ length: 10 }, (_, i) => `bench-author-${run}-${i}`);
  for (const user of [viewer, ...authors]) {
    await call(user, 'mutation($i: CreateProfileInput!) { createProfile(input: $i) { status } }', {
      i: { username: user.replaceAll('-', '_'), displayName: `Bench ${user}` },
    });
  }
  for (const author of authors) {
    await call(viewer, 'mutation($u: ID!) { follow(userId: $u) { status } }', { u: author });
    for (let i = 0; i < 3; i++) {
      await call(author, 'mutation($i: CreatePostInput!) { createPost(input: $i) { status } }', {
        i: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `post ${i} by ${author}`, tags: ['bench'] },
      });
    }
  }
  const token = await mintTokenForEnv(viewer);
  // On a stack that other runs have used, the projectors first work through their backlog.
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ feed(first: 20) { edges { cursor } } }' }),
    });
    const answer = (await response.json()) as { data?: { feed: { edges: unknown[] } } };
    if (answer.data?.feed.edges.length === 20) return token;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the seeded feed did not fill within 180 s: are the projectors running, and caught up?');
}
