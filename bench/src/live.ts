/**
 * `npm run bench -- live`: live subscriptions on ONE gateway process, with the writers,
 * projectors and subgraphs each their own process on the real engines.
 *
 * Workload: N concurrent `feedUpdated` subscribers over graphql-ws, each a distinct user with
 * its own minted token and its own WebSocket. A sample of S of them (real profiles that follow
 * one author) is measured; the other N − S are idle (no follows, so nothing is ever delivered to
 * them: they cost the gateway a connection, a subscription and memory, nothing else). The
 * author then creates posts one at a time (FOLLOWERS audience: each reaches the S sampled
 * subscribers through the real path — writer, posts.events, feed projector, feed.updates, the
 * gateway's consumer, the audience check and the federated resolution as each viewer).
 *
 * Figures: delivery latency from the createPost mutation leaving the client to each sampled
 * subscriber reading its POST_ADDED event, p50/p99, at each N; beside the baseline measured in
 * the same run with no subscriber connected: the same createPost → the post at the top of a
 * follower's feed, read back to back over HTTP (the read path a client without subscriptions
 * would poll). And the gateway's memory per idle subscriber: the SLOPE of its RSS and heap
 * between two subscriber counts, each read after the gateway has settled garbage collection
 * (POST /debug/gc, served because the bench starts it with --expose-gc and GATEWAY_DIAGNOSTIC_GC=1):
 * a single reading is mostly young-generation growth and garbage, and a difference from the
 * no-idle reading would charge the idle subscribers with whatever else grew meanwhile.
 *
 * Beside it, the `ws` baseline: the same subscribers against graphql-ws's own server on the
 * `ws` package (wsBaseline.ts), measured the same way after the gateway's run, so the reason
 * the gateway has a WebSocket layer of its own stays checkable.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { mintTokenForEnv } from '@verograph/gateway';
import { createKafka } from '@verograph/messaging';
import { engineAddresses, envReader } from '@verograph/service';
import { services, startServices, stopServices } from '@verograph/stack';
import { commandIdFor, createdIdFor, readIdDerivationSecret } from '@verograph/subgraph-kit';

import { measureFeedLatency, type FeedLatencyFigures } from './feedLatency.ts';
import { createGatewayClient, payloadStatus, type GatewayClient } from './gatewayClient.ts';
import { createLiveStages, type LiveStages } from './liveStages.ts';
import { createSubscriberPool, type FeedArrival, type SubscriberPool } from './liveSubscribers.ts';
import { seedUsers } from './seedUsers.ts';
import { measureWsBaseline, type BaselineReading } from './wsBaseline.ts';
import { enginePids } from './processCpu.ts';
import { ensureEngines, productionEnv } from './system.ts';
import { machineLoad, ms, ratio, sleep, summarize, verdict, type LatencySummary } from './stats.ts';

export interface LiveBenchOptions {
  /** Concurrent subscribers at each step, ascending, the sample included (e.g. 1,000 and 10,000). */
  readonly subscribers: readonly number[];
  /** Measured subscribers (each receives every post). */
  readonly sample: number;
  /** Measured posts per step (after 3 unmeasured ones). */
  readonly posts: number;
  /** Added to every service's port, so the run can share the machine with a system on the defaults. */
  readonly portOffset: number;
  /**
   * A system already running: its gateway's base URL, process id and operations URL (its
   * metrics; default: the base URL's port + 10, as GATEWAY_OPS_PORT defaults). Nothing is started or stopped.
   */
  readonly running?: { readonly gatewayUrl: string; readonly gatewayPid: number; readonly gatewayOpsUrl?: string };
}

/** What each subscriber selects: the event, and the post resolved through the federated path. */
const FEED = 'subscription { feedUpdated { kind postId cursor post { id caption author { displayName } loveCount } } }';
const CREATE_POST = 'mutation($i: CreatePostInput!) { createPost(input: $i) { status post { id } } }';
const TARGET_P99_MS = 100;
const TARGET_BYTES_PER_SUBSCRIBER = 2048;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  /** Read after the gateway settled garbage collection (false: /debug/gc not served, figures are rough). */
  readonly settled: boolean;
}

/** The gateway's memory at a subscriber count (measured and idle together). */
interface Reading {
  readonly subscribers: number;
  readonly memory: Memory;
}

interface Step {
  readonly subscribers: number;
  readonly latency: LatencySummary;
  readonly missing: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly memory: Memory;
  readonly load: string;
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchLive(options: LiveBenchOptions): Promise<void> {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const steps = options.subscribers;
  if (steps.some((n, i) => !Number.isInteger(n) || n <= options.sample || (i > 0 && n <= steps[i - 1]!))) {
    throw new Error(
      `--subscribers must be ascending whole numbers above --sample (${options.sample}): ${steps.join(',')}`,
    );
  }
  const most = Math.max(...steps);
  const limit = openFileLimit('self');
  if (limit < most + 1024) {
    throw new Error(
      `${int(most)} subscribers need more open files than this process may have (${limit}): ` +
        `raise it (ulimit -n ${most + 4096}) or ask for fewer (--subscribers).`,
    );
  }
  const started = performance.now();
  const system = options.running ? { stop: async () => undefined } : await startSystemAt(options.portOffset);
  const found = 'services' in system ? system.services.find((s) => s.definition.name === 'gateway') : undefined;
  const gateway = options.running
    ? {
        url: options.running.gatewayUrl,
        opsUrl: options.running.gatewayOpsUrl ?? opsUrlBeside(options.running.gatewayUrl),
      }
    : found;
  const gatewayPid = options.running?.gatewayPid ?? found?.child.pid;
  if (!gateway || !gatewayPid) throw new Error('the gateway did not start');
  if (openFileLimit(String(gatewayPid)) < most + 1024) {
    throw new Error(`the gateway process may open ${openFileLimit(String(gatewayPid))} files: too few for ${most}`);
  }
  console.log(
    `\nlive benchmark ${run}: every service up in ${((performance.now() - started) / 1000).toFixed(0)} s ` +
      `(open files allowed: bench ${int(limit)}, gateway ${int(openFileLimit(String(gatewayPid)))})`,
  );
  const client = createGatewayClient(`${gateway.url}/graphql`);
  const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
  const pools: SubscriberPool[] = [];
  let stages: LiveStages | undefined;
  try {
    // Where the time goes: the hops' Kafka records, for the measured posts.
    const ours = 'services' in system ? system.services : [];
    stages = await createLiveStages(createKafka(`bench-${run}-stages`, engineAddresses().kafkaBrokers), run, [
      ...ours.flatMap((s) => (s.child.pid ? [{ name: s.definition.name, pid: s.child.pid, url: s.opsUrl }] : [])),
      ...Object.entries(enginePids()).map(([name, pid]) => ({ name, pid })),
    ]);
    const users = await seedUsers(client, run, options.sample);
    console.log(`seeded ${options.sample} measured users following one author, through the gateway`);

    // Baseline first, while no subscriber is connected at all.
    let load = machineLoad();
    const baseline = await measureFeedLatency(client, users.author, users.lovers[0]!, options.posts + 3);
    printBaseline(baseline, load);

    const arrivals = new Map<string, number[]>();
    const record = ({ postId, kind, at }: FeedArrival) => {
      if (kind === 'POST_ADDED') arrivals.get(postId)?.push(at);
    };
    // A result with errors instead of an event is counted and shown: it is the gateway failing, not a slow one.
    const failures = { count: 0, first: '' };
    const onError = (message: string) => {
      failures.count++;
      failures.first ||= message;
    };
    const sample = createSubscriberPool({ url: wsUrl, query: FEED, onFeedEvent: record, onError });
    pools.push(sample);
    await sample.add(await Promise.all(users.lovers.map((u) => client.tokenFor(u))));
    await waitForSubscriptions(gateway.opsUrl, options.sample);
    // The first posts also start the gateway's consumer and warm its caches; they are not counted.
    const warm = await deliver(client, users.author, arrivals, options.sample, 3);
    const deliverable = warm.missing < 3 * options.sample;
    const measureDelivery = async () => {
      await deliver(client, users.author, arrivals, options.sample, 3);
      return deliver(client, users.author, arrivals, options.sample, options.posts, stages);
    };
    if (warm.missing > 0) {
      console.log(
        `\nthe measured subscribers missed ${warm.missing} of ${3 * options.sample} warm-up events` +
          (failures.count > 0 ? `; ${failures.count} results were errors, the first: ${failures.first}` : ''),
      );
    }
    // Settling first: the consumer's start (it reads the replay window back) leaves garbage behind.
    await sleep(5000);
    const before = await memoryOf(gatewayPid, gateway);
    console.log(
      `\ngateway memory with the ${options.sample} measured subscribers only: RSS ${mb(before.rss)}, ` +
        `heap used ${mb(before.heapUsed)} (compression negotiated: ${sample.compressed ? 'permessage-deflate' : 'none'})`,
    );

    const idle = createSubscriberPool({ url: wsUrl, query: FEED });
    pools.push(idle);
    const steps: Step[] = [];
    let idleCount = 0;
    for (const total of options.subscribers) {
      const adding = Math.max(0, total - options.sample - idleCount);
      const connecting = performance.now();
      const tokens = await Promise.all(
        Array.from({ length: adding }, (_, i) => mintTokenForEnv(`bench-${run}-idle${idleCount + i}`)),
      );
      await idle.add(tokens);
      idleCount += adding;
      await waitForSubscriptions(gateway.opsUrl, options.sample + idleCount);
      console.log(
        `\n${int(options.sample + idleCount)} subscribers: ${int(adding)} idle ones connected, initialised and ` +
          `subscribed in ${((performance.now() - connecting) / 1000).toFixed(1)} s; ${int(idle.open)} idle open`,
      );
      await sleep(2000);
      const memory = await memoryOf(gatewayPid, gateway);
      load = machineLoad();
      // With not one warm-up event delivered, each post would only wait out its timeout: memory is still measured.
      const measured = deliverable
        ? await measureDelivery()
        : { latency: summarize([]), missing: options.posts * options.sample, statuses: { 'not sent': options.posts } };
      const step: Step = { subscribers: options.sample + idleCount, ...measured, memory, load };
      steps.push(step);
      printStep(step, steps.at(-2) ?? { subscribers: options.sample, memory: before }, baseline, options);
      if (deliverable) await stages.print();
      if (failures.count > 0) {
        console.log(`  ${failures.count} results so far were errors instead of events; the first: ${failures.first}`);
      }
      if (sample.open !== options.sample || idle.open !== idleCount) {
        console.log(
          `  closed by the gateway: ${JSON.stringify({ ...sample.closes, ...idle.closes })} ` +
            `(measured open ${sample.open}/${options.sample}, idle open ${idle.open}/${idleCount})`,
        );
      }
    }
    printSummary(steps, { subscribers: options.sample, memory: before }, baseline, options);

    // The gateway's subscribers leave first: the baseline's take their place on this machine.
    for (const pool of pools.splice(0)) pool.close();
    const counts =
      steps.length > 1 ? steps.map((s) => s.subscribers) : [options.sample, ...steps.map((s) => s.subscribers)];
    load = machineLoad();
    const tokenFor = (i: number) => mintTokenForEnv(`bench-${run}-ws${i}`);
    try {
      const subscribed = await measureWsBaseline(counts, FEED, tokenFor);
      const acknowledged = await measureWsBaseline(counts, undefined, tokenFor);
      const from: Reading = steps.length > 1 ? steps[0]! : { subscribers: options.sample, memory: before };
      printWsBaseline({ subscribed, acknowledged }, from, steps.at(-1)!, load);
    } catch (error) {
      // The gateway's figures above stand; the comparison is missing, and says why.
      console.log(`\nws baseline not measured: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  } finally {
    for (const pool of pools) pool.close();
    client.close();
    await stages?.stop();
    await system.stop();
  }
  console.log(`whole run: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Posts one at a time as `author`; each post's id is known before the mutation answers (it
 * derives from the clientMutationId), so an event read before the answer is timed too.
 */
async function deliver(
  client: GatewayClient,
  author: string,
  arrivals: Map<string, number[]>,
  sample: number,
  posts: number,
  stages?: LiveStages,
  timeoutMs = 10_000,
) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let missing = 0;
  for (let i = 0; i < posts; i++) {
    const clientMutationId = randomUUID();
    const commandId = commandIdFor({
      // The services' secret (productionEnv sets it for them and for this process).
      secret: readIdDerivationSecret(envReader()),
      viewerId: author,
      mutation: 'createPost',
      idempotencyKey: clientMutationId,
    });
    const postId = createdIdFor(commandId, 'post');
    const at: number[] = [];
    arrivals.set(postId, at);
    stages?.expect(postId, commandId);
    const sentAt = performance.now();
    const { answer } = await client.request(author, CREATE_POST, {
      i: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `live bench ${i}`, clientMutationId },
    });
    const answeredAt = performance.now();
    const status = payloadStatus(answer);
    statuses[status] = (statuses[status] ?? 0) + 1;
    while (at.length < sample && performance.now() - sentAt < timeoutMs) await sleep(2);
    latencies.push(...at.map((t) => t - sentAt));
    stages?.post({ postId, commandId, sentAt, answeredAt, arrivals: [...at] });
    missing += sample - Math.min(sample, at.length);
    arrivals.delete(postId);
    // A pause, so one post's delivery does not overlap the next one's mutation.
    await sleep(20);
  }
  return { latency: summarize(latencies), missing, statuses };
}

/** A running gateway's operations URL when not told: its port + 10, GATEWAY_OPS_PORT's default distance. */
function opsUrlBeside(gatewayUrl: string): string {
  const url = new URL(gatewayUrl);
  return `${url.protocol}//${url.hostname}:${Number(url.port) + 10}`;
}

/** Waits until the gateway counts `count` open feed subscriptions (its /metrics gauge, on its ops port). */
async function waitForSubscriptions(opsUrl: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = metric(await metricsText(opsUrl), 'gateway_live_subscriptions', 'stream="feed"');
    if (last >= count) return;
    await sleep(250);
  }
  throw new Error(`the gateway counts ${last} feed subscriptions, not ${count}, after ${timeoutMs / 1000} s`);
}

async function metricsText(opsUrl: string): Promise<string> {
  return (await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
}

/** A sample's value from Prometheus text; labels must include `labelPart` when given. */
function metric(text: string, name: string, labelPart = ''): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelPart && !line.includes(labelPart)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/**
 * The gateway's memory once its garbage collection has settled: POST /debug/gc collects four
 * times, 2 s apart, and answers process.memoryUsage(); RSS is then read from /proc (the
 * kernel's own count). A gateway without the diagnostic (a system already running) answers 404:
 * then the old rough reading, marked unsettled — RSS from /proc (the median of five readings 400 ms
 * apart), heap used from /metrics (the least of those readings).
 */
async function memoryOf(pid: number, gateway: { url: string; opsUrl: string }): Promise<Memory> {
  const settling = await fetch(`${gateway.url}/debug/gc`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
  if (settling.ok) {
    const { memory } = (await settling.json()) as { memory: { heapUsed: number } };
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss, heapUsed: memory.heapUsed, settled: true };
  }
  await settling.body?.cancel();
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    rss.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024);
    heap.push(metric(await metricsText(gateway.opsUrl), 'nodejs_heap_size_used_bytes'));
    await sleep(400);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
  return { rss: median(rss), heapUsed: Math.min(...heap), settled: false };
}

/** Bytes per subscriber between two readings: the slope, which fixed costs do not enter. */
function slope(from: Reading, to: Reading): { rss: number; heapUsed: number; settled: boolean } {
  const added = to.subscribers - from.subscribers;
  return {
    rss: (to.memory.rss - from.memory.rss) / added,
    heapUsed: (to.memory.heapUsed - from.memory.heapUsed) / added,
    settled: from.memory.settled && to.memory.settled,
  };
}

const settledNote = (settled: boolean) =>
  settled ? 'after settled GC' : 'UNSETTLED: the gateway does not serve /debug/gc, so these are rough';

function openFileLimit(pid: string): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

function statusList(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .map(([status, count]) => `${status} ${int(count)}`)
    .join(', ');
}

function printBaseline(f: FeedLatencyFigures, load: string): void {
  console.log(
    `\nbaseline, no subscriber connected: createPost → at the top of a measured follower's feed ` +
      `(feed(first: 1) read back to back over HTTP; ${load} at start)`,
  );
  console.log(
    `  visible in the feed   p50 ${ms(f.visible.p50)}   p99 ${ms(f.visible.p99)}   max ${ms(f.visible.max)}   ` +
      `(${f.visible.count} posts, ${f.missing} not seen within 10 s, ${f.readsPerPost.toFixed(1)} reads per post)`,
  );
  console.log(
    `  to APPLIED            p50 ${ms(f.applied.p50)}   p99 ${ms(f.applied.p99)}   max ${ms(f.applied.max)}   ` +
      `(${statusList(f.statuses)})`,
  );
}

function printStep(s: Step, previous: Reading, baseline: FeedLatencyFigures, options: LiveBenchOptions): void {
  console.log(
    `  delivery createPost → POST_ADDED read by each of the ${options.sample} measured subscribers ` +
      `(${options.posts} posts, ${s.latency.count} deliveries; ${s.load} at start):`,
  );
  if (s.latency.count === 0 && s.statuses['not sent']) {
    console.log('    not measured: not one warm-up post reached the measured subscribers as an event');
  } else {
    console.log(
      `    p50 ${ms(s.latency.p50)}   p99 ${ms(s.latency.p99)}   max ${ms(s.latency.max)}   ` +
        `(${s.missing} not delivered within 10 s; createPost: ${statusList(s.statuses)})`,
    );
  }
  if (s.latency.count > 0) {
    console.log(
      `    ratio to the baseline (visible in the feed): p50 ${ratio(s.latency.p50, baseline.visible.p50)}, ` +
        `p99 ${ratio(s.latency.p99, baseline.visible.p99)}`,
    );
  }
  const per = slope(previous, s);
  console.log(
    `  gateway memory with them idle (${settledNote(s.memory.settled)}): RSS ${mb(s.memory.rss)}, ` +
      `heap used ${mb(s.memory.heapUsed)}; per idle subscriber, the slope from ${int(previous.subscribers)} to ` +
      `${int(s.subscribers)} subscribers: heap ${int(per.heapUsed)} B, RSS ${int(per.rss)} B`,
  );
}

function printSummary(steps: readonly Step[], first: Reading, baseline: FeedLatencyFigures, o: LiveBenchOptions) {
  console.log(
    `\nsummary (one gateway process; N subscribers = ${o.sample} measured + idle; targets printed, not asserted)`,
  );
  const widths = [16, 22, 22, 26, 26, 26];
  const line = (cells: readonly string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i]!)).join(' '));
  line(['subscribers', 'delivery p50 / p99', 'baseline p50 / p99', 'ratio p99', 'heap / RSS per idle (*)', 'targets']);
  for (const [index, s] of steps.entries()) {
    const per = slope(steps[index - 1] ?? first, s);
    const heapPer = per.heapUsed;
    line([
      int(s.subscribers),
      s.latency.count > 0 ? `${ms(s.latency.p50)} / ${ms(s.latency.p99)}` : 'not measured',
      `${ms(baseline.visible.p50)} / ${ms(baseline.visible.p99)}`,
      s.latency.count > 0 ? `${ratio(s.latency.p99, baseline.visible.p99)} (in feed)` : '-',
      `${int(heapPer)} B / ${int(per.rss)} B`,
      s.subscribers >= 10_000
        ? `p99 ≤ ${TARGET_P99_MS} ms: ${s.latency.count > 0 ? verdict(s.latency.p99 <= TARGET_P99_MS && s.missing === 0) : 'not measured'}; ` +
          `heap ≤ 2 KB: ${verdict(heapPer <= TARGET_BYTES_PER_SUBSCRIBER)}`
        : `(p99 ≤ ${TARGET_P99_MS} ms, ≤ 2 KB at 10,000)`,
    ]);
  }
  // The first idle count is the range's start when there are two: the reading with the measured
  // subscribers alone comes right after start-up, whose RSS peak the allocator does not give back.
  const from: Reading = steps.length > 1 ? steps[0]! : first;
  const last = steps.at(-1);
  const range = last ? slope(from, last) : undefined;
  console.log(
    `(*) the slope from the previous row's subscriber count (the first row: from the ${o.sample} measured ones alone, ` +
      `whose RSS figure is not comparable: it starts from start-up's peak), ${settledNote(range?.settled ?? false)}.\n` +
      `The 2 KB target is compared with the HEAP slope: the gateway's own objects per idle subscriber. The RSS ` +
      `slope is printed beside it: it adds Node's native socket wrapper and libuv handle (allocated outside ` +
      `the V8 heap) and the allocator's overhead; a bare upgraded socket alone costs about 2.1 KB of RSS on ` +
      `Node 20, a floor no JavaScript state can lower.` +
      (range && last
        ? `\nFrom ${int(from.subscribers)} to ${int(last.subscribers)} subscribers: heap ${int(range.heapUsed)} B per idle ` +
          `subscriber (≤ 2 KB: ${verdict(range.heapUsed <= TARGET_BYTES_PER_SUBSCRIBER)}), RSS ${int(range.rss)} B ` +
          `(≤ 2 KB: ${verdict(range.rss <= TARGET_BYTES_PER_SUBSCRIBER)})`
        : ''),
  );
}

/** The gateway's heap and RSS per idle subscriber beside graphql-ws's server on `ws`, over the same range. */
function printWsBaseline(
  baseline: { subscribed: readonly BaselineReading[]; acknowledged: readonly BaselineReading[] },
  from: Reading,
  to: Step,
  load: string,
): void {
  const per = (readings: readonly BaselineReading[]) => {
    const first = readings[0]!;
    const last = readings.at(-1)!;
    const added = last.subscribers - first.subscribers;
    return {
      heapUsed: (last.heapUsed - first.heapUsed) / added,
      rss: (last.rss - first.rss) / added,
      range: `${int(first.subscribers)} to ${int(last.subscribers)}`,
    };
  };
  const ours = slope(from, to);
  const subscribed = per(baseline.subscribed);
  const acknowledged = per(baseline.acknowledged);
  console.log(
    `\nws baseline: graphql-ws's own server on the ws package (their defaults, no compression; tokens sent, not ` +
      `verified), the same clients, slope after settled GC (${load} at start)`,
  );
  console.log(
    `  idle feedUpdated subscribers, ${subscribed.range}: heap ${int(subscribed.heapUsed)} B, RSS ${int(subscribed.rss)} B ` +
      `per subscriber`,
  );
  console.log(
    `  connections acknowledged, no subscription, ${acknowledged.range}: heap ${int(acknowledged.heapUsed)} B, ` +
      `RSS ${int(acknowledged.rss)} B per connection (ws and graphql-ws's connection state alone)`,
  );
  console.log(
    `  the gateway, idle subscribers ${int(from.subscribers)} to ${int(to.subscribers)}: heap ${int(ours.heapUsed)} B, ` +
      `RSS ${int(ours.rss)} B per subscriber: ${int(subscribed.heapUsed - ours.heapUsed)} B less heap and ` +
      `${int(subscribed.rss - ours.rss)} B less RSS than the baseline's subscribers, ` +
      `${int(acknowledged.heapUsed - ours.heapUsed)} B less heap than its bare connections`,
  );
}

/** As bench/src/system.ts starts the system, quietly, with every service's port moved by `offset`. */
async function startSystemAt(offset: number) {
  ensureEngines();
  const running = await startServices({
    env: {
      ...productionEnv(),
      LOG_LEVEL: 'error',
      // The gateway's /debug/gc, so memory is read after settled garbage collection (see memoryOf).
      GATEWAY_DIAGNOSTIC_GC: '1',
      // Every subscriber connects from this host: above the per-address and total caps' defaults.
      GATEWAY_LIVE_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
      GATEWAY_LIVE_MAX_CONNECTIONS: '1000000',
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
    },
    ports: Object.fromEntries(services.map((s) => [s.name, s.port + offset])),
    output: () => undefined,
    readyTimeoutMs: 300_000,
  });
  return { services: running, stop: () => stopServices(running) };
}
