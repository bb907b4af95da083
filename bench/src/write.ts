/**
 * `npm run bench -- write`: the write path of the whole system, on the real engines, with the
 * writers, projectors, subgraphs and gateway each its own process, every figure beside a
 * baseline measured in the same run:
 * 1. commands/s sustained through the writers, beside Kafka alone for the same records;
 * 2. mutation → APPLIED latency at a fixed offered rate, beside `{ __typename }` at that rate;
 * 3. createPost → visible in a follower's feed, beside the same mutations' time to APPLIED;
 * 4. fan-out of one post to 10,000 followers, beside the straightforward INSERT fan-out
 *    (run after the services are stopped: it needs only Cassandra).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import kafkajs, { type Admin } from 'kafkajs';
import { performance } from 'node:perf_hooks';

import { createProducer } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import { repoRoot, startServices, stopServices } from '@verograph/stack';

import { createPostsThroughWriters, measureThroughput, type ThroughputFigures } from './commandThroughput.ts';
import { waitForCaughtUp } from './consumerLag.ts';
import { measureFanout, printFanout } from './fanout.ts';
import { measureFeedLatency, type FeedLatencyFigures } from './feedLatency.ts';
import { createGatewayClient } from './gatewayClient.ts';
import { measureMutationLatency, type MutationLatencyFigures, type OpenLoopFigures } from './mutationLatency.ts';
import { loveCommands } from './postCommands.ts';
import { seedUsers } from './seedUsers.ts';
import { productionEnv } from './system.ts';
import { machineLoad, ms, ratio, verdict } from './stats.ts';
import { meanHandlingMs, postsWriterHandling } from './writerMetrics.ts';

export interface WriteBenchOptions {
  /** Item 1: measured seconds (after a 3 s warm-up) for the writers and for Kafka alone. */
  readonly seconds: number;
  /** Item 1: commands in flight. */
  readonly window: number;
  /** Item 2: offered mutations per second, and for how many seconds (after a 2 s warm-up). */
  readonly rate: number;
  readonly latencySeconds: number;
  /** Item 3: posts whose way into the feed is timed. */
  readonly feedPosts: number;
  /** Item 4. */
  readonly followers: number;
  readonly runs: number;
}

/** Posts that items 1 and 2 love, created through the writers first. */
const POSTS = 500;
/** Users who love those posts through the gateway in item 2 (each follows the author). */
const LOVERS = 50;

const int = (n: number) => Math.round(n).toLocaleString('en');

/**
 * The ports the benchmark's own services listen on: not the defaults, which a developer's
 * `npm start` or an e2e run on the same machine may hold.
 */
const BENCH_PORTS = {
  gateway: 4700,
  users: 4701,
  posts: 4702,
  collections: 4703,
  search: 4704,
  writers: 4710,
  projectors: 4720,
} as const;

export async function benchWrite(options: WriteBenchOptions): Promise<void> {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const started = performance.now();
  const engines = engineAddresses();
  // kafkajs's own logs stay off: a benchmark prints figures, and failures surface as errors.
  const kafka = new kafkajs.Kafka({
    clientId: `bench-${run}`,
    brokers: engines.kafkaBrokers,
    ...(engines.kafkaCredentials && { sasl: { mechanism: 'scram-sha-512', ...engines.kafkaCredentials } }),
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'ensure'], {
    stdio: 'inherit',
  });
  const admin = kafka.admin();
  await admin.connect();
  const services = await startServices({
    env: { ...productionEnv(), LOG_LEVEL: 'error' },
    ports: BENCH_PORTS,
    // BENCH_SERVICE_LOG=file keeps the services' (error) logs, to tell why one failed.
    output: serviceLog(process.env.BENCH_SERVICE_LOG),
    readyTimeoutMs: 180_000,
  });
  const system = { services, stop: () => stopServices(services) };
  const gateway = system.services.find((s) => s.definition.name === 'gateway');
  const writers = system.services.find((s) => s.definition.name === 'writers');
  if (!gateway || !writers) throw new Error('the gateway or the writers did not start');
  console.log(`\nwrite benchmark ${run}: every service up in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const client = createGatewayClient(`${gateway.url}/graphql`);
  const producer = await createProducer(kafka);
  const catchUp = async (when = 'then') => {
    const drained = await waitForCaughtUp(admin, 120_000);
    console.log(
      `  (${when} the writers and projectors caught up with ${int(drained.lagAtStart)} records in ` +
        `${drained.seconds.toFixed(1)} s; left: ${int(drained.lagLeft)})`,
    );
  };
  let throughput: ThroughputFigures;
  let latency: MutationLatencyFigures;
  let feed: FeedLatencyFigures;
  try {
    // What earlier runs left in Kafka would slow this one's seeding and first measurement.
    await catchUp('before seeding');
    const seeding = performance.now();
    const users = await seedUsers(client, run, LOVERS);
    const posts = await createPostsThroughWriters({ kafka, producer, run, authorId: users.author }, POSTS);
    console.log(
      `seeded through the real write path in ${((performance.now() - seeding) / 1000).toFixed(1)} s: ` +
        `${LOVERS + 3} profiles, ${LOVERS + 1} follows (gateway), ${POSTS} posts (CreatePost on posts.commands)`,
    );

    let load = machineLoad();
    const postsGroup = 'writers-posts';
    await warnIfShared(admin, postsGroup);
    const handlingBefore = await postsWriterHandling(writers.opsUrl, postsGroup);
    throughput = await measureThroughput(
      { kafka, producer, run, nextLove: loveCommands(posts, run) },
      { window: options.window, warmupSeconds: 3, seconds: options.seconds },
    );
    printThroughput(throughput, options, load);
    // Where the time goes: the writer's own view of each command it handled during item 1.
    const handlingMs = meanHandlingMs(handlingBefore, await postsWriterHandling(writers.opsUrl, postsGroup));
    console.log(
      `  (the writers' /metrics over item 1: ${ms(handlingMs)} per command on average from first attempt ` +
        `to outcome, message_processing_seconds of ${postsGroup})`,
    );

    await catchUp();

    load = machineLoad();
    latency = await measureMutationLatency(client, users.lovers, posts, {
      rate: options.rate,
      seconds: options.latencySeconds,
      warmupSeconds: 2,
    });
    printLatency(latency, options, load);
    await catchUp();

    load = machineLoad();
    feed = await measureFeedLatency(client, users.feedAuthor, users.follower, options.feedPosts);
    printFeed(feed, options, load);
  } finally {
    client.close();
    await producer.disconnect();
    await system.stop();
    await admin.disconnect();
  }

  const fanout = await measureFanout({ followers: options.followers, runs: options.runs });
  const fanoutBest = printFanout(fanout);

  console.log('\nsummary (targets are printed, not asserted)');
  const rows: [string, string, string, string, string][] = [
    [
      '1. commands/s sustained',
      int(throughput.writers.perSecond),
      `${int(throughput.raw.perSecond)} (Kafka alone)`,
      ratio(throughput.writers.perSecond, throughput.raw.perSecond),
      `≥ 2,000: ${verdict(throughput.writers.perSecond >= 2000)}`,
    ],
    [
      `2. p99 mutation→APPLIED @${options.rate}/s`,
      ms(latency.mutation.latency.p99),
      `${ms(latency.baseline.latency.p99)} ({ __typename })`,
      ratio(latency.mutation.latency.p99, latency.baseline.latency.p99),
      `≤ 50 ms: ${verdict(latency.mutation.latency.p99 <= 50 && applied(latency.mutation) === latency.mutation.sent)}`,
    ],
    [
      '3. p99 createPost→in feed',
      ms(feed.visible.p99),
      `${ms(feed.applied.p99)} (to APPLIED)`,
      ratio(feed.visible.p99, feed.applied.p99),
      '-',
    ],
    [
      `4. fan-out to ${int(options.followers)}`,
      ms(fanoutBest),
      `${ms(Math.min(...fanout.baseline))} (INSERTs)`,
      ratio(fanoutBest, Math.min(...fanout.baseline)),
      `≤ 1,000 ms: ${verdict(fanoutBest <= 1000)}`,
    ],
  ];
  const widths = [34, 12, 28, 10, 18];
  const line = (cells: readonly string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i]!)).join(' '));
  line(['figure', 'ours', 'baseline (same run)', 'ratio', 'target']);
  for (const row of rows) line(row);
  console.log(`whole run: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Where the services' output goes: nowhere, or appended to a file. */
function serviceLog(file: string | undefined): (service: string, line: string) => void {
  if (!file) return () => undefined;
  return (service, line) => appendFileSync(file, `${service.padEnd(12)}| ${line}\n`);
}

/**
 * Says so when another writers process (a developer's `npm start`, an e2e run) is in the
 * posts writer's group: it takes a share of the partitions, and of the figures.
 */
async function warnIfShared(admin: Admin, groupId: string): Promise<void> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  const members = group?.members.length ?? 0;
  if (members > 1) {
    console.log(
      `  (note: ${members} processes share ${groupId}; the figures below are not this writers process alone)`,
    );
  }
}

function applied(figures: OpenLoopFigures): number {
  return figures.statuses.APPLIED ?? 0;
}

function statusList(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([status, count]) => `${status} ${int(count)}`)
    .join(', ');
}

function printThroughput(f: ThroughputFigures, o: WriteBenchOptions, load: string): void {
  console.log(
    `\n1. commands/s sustained through the real write path: LovePost on posts.commands → writers process → ` +
      `Cassandra → posts.events + commands.outcomes; ${int(o.window)} in flight, ${o.seconds} s after a 3 s warm-up ` +
      `(${load} at start)`,
  );
  console.log(
    `  ours: outcomes on commands.outcomes        ${int(f.writers.perSecond).padStart(7)} commands/s   ` +
      `(${int(f.writers.completed)} in ${f.writers.seconds.toFixed(1)} s; all sent: ${int(f.applied)} APPLIED, ` +
      `${int(f.rejected)} REJECTED${f.rejected ? ` ${JSON.stringify(f.rejections)}` : ''})`,
  );
  console.log(
    `  baseline: Kafka alone, same records        ${int(f.raw.perSecond).padStart(7)} records/s    ` +
      `(produce, acks=all, idempotent → no-op consumer, topic partitioned like posts.commands)`,
  );
  console.log(
    `  ratio writers/raw: ${ratio(f.writers.perSecond, f.raw.perSecond)}   ` +
      `(target ≥ 2,000 commands/s: ${verdict(f.writers.perSecond >= 2000)})`,
  );
}

function printLatency(f: MutationLatencyFigures, o: WriteBenchOptions, load: string): void {
  const wait = process.env.MUTATION_WAIT_MS ?? '2000';
  console.log(
    `\n2. mutation → APPLIED through the gateway (HTTP round trip of lovePost, MUTATION_WAIT_MS=${wait}), ` +
      `open-loop at ${o.rate}/s for ${o.latencySeconds} s after a 2 s warm-up (${load} at start)`,
  );
  const row = (name: string, x: OpenLoopFigures) =>
    console.log(
      `  ${name.padEnd(26)} achieved ${x.achievedPerSecond.toFixed(1)}/s   p50 ${ms(x.latency.p50)}   ` +
        `p99 ${ms(x.latency.p99)}   max ${ms(x.latency.max)}   (${statusList(x.statuses)})`,
    );
  row('ours: lovePost', f.mutation);
  row('baseline: { __typename }', f.baseline);
  console.log(
    `  ratio ours/baseline: p50 ${ratio(f.mutation.latency.p50, f.baseline.latency.p50)}, ` +
      `p99 ${ratio(f.mutation.latency.p99, f.baseline.latency.p99)}   ` +
      `(${int(f.mutation.statuses.ACCEPTED ?? 0)} came back ACCEPTED instead of APPLIED; ` +
      `target p99 ≤ 50 ms: ${verdict(f.mutation.latency.p99 <= 50)})`,
  );
}

function printFeed(f: FeedLatencyFigures, o: WriteBenchOptions, load: string): void {
  console.log(
    `\n3. createPost → at the top of a follower's feed (feed(first: 1) read back to back through the gateway), ` +
      `${o.feedPosts} posts one at a time (${load} at start)`,
  );
  console.log(
    `  ours: visible in the feed                  p50 ${ms(f.visible.p50)}   p99 ${ms(f.visible.p99)}   ` +
      `max ${ms(f.visible.max)}   (${f.missing} not seen within 10 s; ${f.readsPerPost.toFixed(1)} feed reads per post)`,
  );
  console.log(
    `  baseline: the same mutations to APPLIED    p50 ${ms(f.applied.p50)}   p99 ${ms(f.applied.p99)}   ` +
      `max ${ms(f.applied.max)}   (${statusList(f.statuses)})`,
  );
  console.log(
    `  ratio visible/APPLIED: p50 ${ratio(f.visible.p50, f.applied.p50)}, p99 ${ratio(f.visible.p99, f.applied.p99)}`,
  );
}
