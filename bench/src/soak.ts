/**
 * The soak: mixed reads, writes and live subscriptions at a steady rate for many minutes,
 * printing every minute each process's RSS and heap, the errors, the consumer lag and the
 * p99 of reads and writes, and at the end whether RSS stayed flat after warm-up, nothing
 * failed and the lag stayed bounded. `runSoak` takes a running system (its gateway,
 * its processes, a Kafka admin), so it runs against any; `npm run soak` (soakCli.ts) starts one.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { subscribeWs, type LiveSubscription } from '@verograph/e2e/liveClients';
import { totalLag } from '@verograph/messaging';
import type { Admin } from 'kafkajs';

import { createGatewayClient, type Timed } from './gatewayClient.ts';
import { soakVerdict, type SoakMinute, type SoakTargets, type SoakVerdict } from './soakVerdict.ts';
import { percentile, sleep } from './stats.ts';

/** A service process of the system under soak. */
export interface SoakProcess {
  readonly name: string;
  readonly pid: number;
  /** Its base URL: /metrics is read there. */
  readonly url: string;
}

export interface SoakOptions extends SoakTargets {
  readonly minutes: number;
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
  readonly subscribers: number;
  readonly print: (line: string) => void;
}

export const defaultSoakOptions: Omit<SoakOptions, 'minutes' | 'print'> = {
  warmupMinutes: 2,
  rssTolerance: 0.1,
  maxLag: 500,
  writesPerSecond: 5,
  readsPerSecond: 20,
  subscribers: 8,
};

const CREATE_PROFILE = 'mutation($input: CreateProfileInput!) { createProfile(input: $input) { status } }';
const FOLLOW = 'mutation($u: ID!, $m: String) { follow(userId: $u, clientMutationId: $m) { status } }';
const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { status post { id } } }`;
const FEED = 'query { feed(first: 10) { edges { node { id caption author { displayName } } } } }';
const POST = 'query($id: ID!) { post(id: $id) { id caption loveCount author { id } } }';
const PROFILE = 'query($id: ID!) { user(id: $id) { id displayName followerCount } }';
const FEED_UPDATED = 'subscription { feedUpdated { kind postId cursor } }';

/** RSS from /proc, heap from the service's own /metrics (undefined when it does not answer). */
async function sampleProcess(p: SoakProcess): Promise<{ rssBytes: number; heapBytes: number | undefined }> {
  let rssBytes = 0;
  try {
    rssBytes = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    // The process is gone: no memory, and the verdict will show it.
  }
  try {
    const text = await (await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const row = text.split('\n').find((line) => /^nodejs_heap_size_used_bytes[ {]/.test(line));
    return { rssBytes, heapBytes: row ? Number(row.slice(row.lastIndexOf(' ') + 1)) : undefined };
  } catch {
    return { rssBytes, heapBytes: undefined };
  }
}

/** Runs `step` about `perSecond` times a second until `until`, never more than `concurrency` at once. */
async function paced(perSecond: number, until: number, concurrency: number, step: () => Promise<void>) {
  const everyMs = 1_000 / perSecond;
  let next = performance.now();
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < until) {
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    const running = step().finally(() => inFlight.delete(running));
    inFlight.add(running);
    next += everyMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(inFlight);
}

export async function runSoak(
  system: { readonly gatewayUrl: string; readonly processes: readonly SoakProcess[]; readonly admin: Admin },
  options: SoakOptions,
): Promise<{ minutes: SoakMinute[]; verdict: SoakVerdict }> {
  const run = randomUUID().slice(0, 8);
  const client = createGatewayClient(system.gatewayUrl);
  const authors = Array.from({ length: 4 }, (_, i) => `soak${i}-${run}`);
  const viewers = Array.from({ length: options.subscribers }, (_, i) => `soakviewer${i}-${run}`);
  for (const user of [...authors, ...viewers]) {
    await client.request(user, CREATE_PROFILE, { input: { username: user.replace('-', '_'), displayName: user } });
  }
  // Each viewer follows one author: its feed then changes ~1–2 times a second, a busy person's
  // feed. Following all four (5 updates/s per viewer) had every subscriber dropped as
  // SLOW_CONSUMER within the first minute on a shared two-core machine: each delivery is a
  // federated query, one at a time per subscription, and 64 may wait.
  for (const [i, viewer] of viewers.entries()) {
    const author = authors[i % authors.length]!;
    await client.request(viewer, FOLLOW, { u: author, m: `f-${author}` });
  }

  // This minute's figures, reset at each print.
  let errors = 0;
  let readMs: number[] = [];
  let writeMs: number[] = [];
  let liveUpdates = 0;
  const recentPosts: string[] = [];
  let errorKinds = new Map<string, number>();
  const recordError = (what: string, detail: unknown) => {
    errors++;
    const codes = Array.isArray(detail)
      ? detail.map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? 'no code').join(',')
      : JSON.stringify(detail).slice(0, 120);
    const kind = `${what}: ${codes}`;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  };
  const timed = async <T>(into: () => number[], what: string, request: () => Promise<Timed<T>>) => {
    try {
      const { answer, ms } = await request();
      into().push(ms);
      if (answer.errors?.length) recordError(what, answer.errors);
      return answer.data;
    } catch (error) {
      recordError(what, String(error));
      return undefined;
    }
  };

  const tokens = await Promise.all(viewers.map((v) => client.tokenFor(v)));
  const subscriptions: Array<LiveSubscription<unknown>> = tokens.map((token) =>
    subscribeWs<unknown>({ url: system.gatewayUrl, token, query: FEED_UPDATED }),
  );
  const counted = new Map(subscriptions.map((s) => [s, 0]));
  const ended = new Set<LiveSubscription<unknown>>();

  const until = Date.now() + options.minutes * 60_000;
  let n = 0;
  const writing = paced(options.writesPerSecond, until, 16, async () => {
    const author = authors[n++ % authors.length]!;
    const data = await timed(
      () => writeMs,
      'createPost',
      () =>
        client.request<{ createPost: { status: string; post: { id: string } | null } }>(author, CREATE_POST, {
          input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `soak ${n}`, clientMutationId: `s${n}` },
        }),
    );
    const post = data?.createPost.post;
    if (post) recentPosts.push(post.id);
    if (recentPosts.length > 100) recentPosts.shift();
  });
  let r = 0;
  const reading = paced(options.readsPerSecond, until, 32, async () => {
    const viewer = viewers[r++ % viewers.length]!;
    const kind = r % 3;
    const postId = recentPosts[r % Math.max(1, recentPosts.length)];
    if (kind === 0 || postId === undefined)
      await timed(
        () => readMs,
        'feed',
        () => client.request(viewer, FEED),
      );
    else if (kind === 1)
      await timed(
        () => readMs,
        'post',
        () => client.request(viewer, POST, { id: postId }),
      );
    else
      await timed(
        () => readMs,
        'user',
        () => client.request(viewer, PROFILE, { id: authors[r % authors.length] }),
      );
  });

  const minutes: SoakMinute[] = [];
  const started = Date.now();
  options.print(
    `soak: ${options.minutes} min, ${options.writesPerSecond} writes/s, ${options.readsPerSecond} reads/s, ` +
      `${options.subscribers} live subscribers; a line a minute (RSS / heap in MB)`,
  );
  for (let minute = 1; minute <= options.minutes; minute++) {
    await sleep(Math.max(0, started + minute * 60_000 - Date.now()));
    for (const s of subscriptions) {
      const total = s.results.length;
      liveUpdates += total - counted.get(s)!;
      counted.set(s, total);
      // Nothing ends a subscription during the soak but a failure.
      if (s.ending !== undefined && !ended.has(s)) {
        ended.add(s);
        recordError('live subscription ended', s.ending);
      }
    }
    const processes = Object.fromEntries(
      await Promise.all(system.processes.map(async (p) => [p.name, await sampleProcess(p)] as const)),
    );
    const lag = await totalLag(system.admin, await consumerGroups(system.admin)).catch(() => Number.NaN);
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const sample: SoakMinute = {
      minute,
      processes,
      errors,
      lag,
      readP99Ms: percentile(sorted(readMs), 99),
      writeP99Ms: percentile(sorted(writeMs), 99),
      reads: readMs.length,
      writes: writeMs.length,
      liveUpdates,
    };
    minutes.push(sample);
    options.print(formatMinute(sample));
    for (const [kind, count] of errorKinds) options.print(`  ${count} × ${kind}`);
    errorKinds = new Map();
    errors = 0;
    readMs = [];
    writeMs = [];
    liveUpdates = 0;
  }
  await Promise.all([writing, reading]);
  await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
  client.close();
  const verdict = soakVerdict(minutes, options);
  options.print(formatVerdict(verdict, options));
  return { minutes, verdict };
}

/** The writers' and projectors' consumer groups. */
async function consumerGroups(admin: Admin): Promise<string[]> {
  return (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => /^writers-[a-z]+$/.test(id) || /^projectors\.[a-z]+$/.test(id));
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / 1_048_576).toFixed(0));

function formatMinute(m: SoakMinute): string {
  const memory = Object.entries(m.processes)
    .map(([name, p]) => `${name} ${mb(p.rssBytes)}/${mb(p.heapBytes)}`)
    .join(', ');
  return (
    `minute ${String(m.minute).padStart(3)}: reads ${m.reads} p99 ${m.readP99Ms.toFixed(0)} ms, ` +
    `writes ${m.writes} p99 ${m.writeP99Ms.toFixed(0)} ms, live updates ${m.liveUpdates}, errors ${m.errors}, ` +
    `lag ${m.lag}; ${memory}`
  );
}

function formatVerdict(v: SoakVerdict, targets: SoakTargets): string {
  const changes = Object.entries(v.rssChange)
    .map(([name, change]) => `${name} ${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`)
    .join(', ');
  return [
    `soak: RSS after the ${targets.warmupMinutes}-minute warm-up ${v.rssFlat ? 'flat' : 'NOT flat'} ` +
      `(±${targets.rssTolerance * 100}%: ${changes || 'no minute after warm-up'})`,
    `soak: errors ${v.errors} (${v.noErrors ? 'none' : 'FAILED'})`,
    `soak: consumer lag at most ${v.maxLag} (${v.lagBounded ? 'bounded' : 'PAST'} ${targets.maxLag})`,
    `soak: ${v.passed ? 'PASSED' : 'FAILED'}`,
  ].join('\n');
}
