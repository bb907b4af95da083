/**
 * `npm run bench -- write`: the write path of the whole system, on the real engines, with the
 * writers, projectors, subgraphs and gateway each its own process, every figure beside a
 * baseline measured in the same run (issue 13, "How it is measured"):
 * 1. a realistic mix of commands/s sustained, read models included, beside Kafka alone for the
 *    same records, with CPU per command by process (mix/sustainedMix.ts);
 * 2. the same mix as GraphQL mutations, open loop at a fixed rate, beside `{ __typename }`
 *    (mix/mutationMix.ts);
 * 3. a spike at twice that rate, then quiet: errors, ACCEPTED, time to catch up;
 * 4. createPost → visible in a follower's feed, beside the same mutations' time to APPLIED;
 * 5. fan-out of one post to 10,000 followers, beside the straightforward INSERT fan-out
 *    (run after the services are stopped: it needs only Cassandra).
 * The mix runs on a social graph seeded once through the write path and reused (mix/seedGraph.ts).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import kafkajs, { type Admin } from 'kafkajs';

import { createProducer } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import { startServices, stopServices } from '@verograph/stack';

import { waitForCaughtUp } from './consumerLag.ts';
import { measureFanout, printFanout, type FanoutFigures } from './fanout.ts';
import { measureFeedLatency, type FeedLatencyFigures } from './feedLatency.ts';
import { createGatewayClient } from './gatewayClient.ts';
import { graphLayout } from './mix/graphLayout.ts';
import { createMixPlan } from './mix/mixPlan.ts';
import type { AuthorTier, MixWeights } from './mix/mixSpec.ts';
import {
  measureMutationMix,
  measureSpike,
  mintTokens,
  type MutationMixFigures,
  type SpikeFigures,
} from './mix/mutationMix.ts';
import { printMixThroughput, printMutationMix, printSpike } from './mix/printMix.ts';
import { seedGraph, seedRun } from './mix/seedGraph.ts';
import { measureMixThroughput, type MixThroughputFigures } from './mix/sustainedMix.ts';
import { enginePids } from './processCpu.ts';
import { seedUsers } from './seedUsers.ts';
import { machineLoad, ms, ratio } from './stats.ts';
import { ensureEngines, productionEnv } from './system.ts';
import { printWriteSummary } from './writeSummary.ts';

/** The parts of the write benchmark, in the order they run; `--only` picks some. */
export const writeItems = ['sustained', 'mutations', 'spike', 'feed', 'fanout'] as const;
export type WriteItem = (typeof writeItems)[number];

export interface WriteBenchOptions {
  readonly only: readonly WriteItem[];
  /** The mix (items 1 to 3) and the graph it runs on. */
  readonly weights: MixWeights;
  readonly authors: readonly AuthorTier[];
  /** Distinct users in the graph at least (followers, and the mix's actors). */
  readonly users: number;
  /** Item 1: measured seconds of sending (after a 3 s warm-up), and commands awaiting outcomes at most. */
  readonly seconds: number;
  readonly window: number;
  /** Item 2: offered mutations per second, and for how many seconds (after a 2 s warm-up). */
  readonly rate: number;
  readonly latencySeconds: number;
  /** Item 3: seconds at twice `rate`. */
  readonly spikeSeconds: number;
  /** Item 4: posts whose way into the feed is timed. */
  readonly feedPosts: number;
  /** Item 5. */
  readonly followers: number;
  readonly runs: number;
}

/** Made afresh each run, so that its loves, follows and connections are all new. */
const RUN_POSTS = 500;
const RUN_TARGETS = 50;

const int = (n: number) => Math.round(n).toLocaleString('en');

/**
 * The ports the benchmark's own services listen on: not the defaults, which a developer's
 * `npm start` or an e2e run on the same machine may hold.
 */
const BENCH_PORTS = {
  // Operations ports are 10 above: 4810 to 4814, clear of the writers' and projectors' ports.
  gateway: 4800,
  users: 4801,
  posts: 4802,
  collections: 4803,
  search: 4804,
  writers: 4820,
  projectors: 4830,
} as const;

export interface WriteFigures {
  throughput?: MixThroughputFigures;
  mutations?: MutationMixFigures;
  spike?: SpikeFigures;
  feed?: FeedLatencyFigures;
  fanout?: FanoutFigures;
}

export async function benchWrite(options: WriteBenchOptions): Promise<void> {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const started = performance.now();
  const wants = (item: WriteItem) => options.only.includes(item);
  const figures: WriteFigures = {};
  if (writeItems.some((item) => item !== 'fanout' && wants(item))) {
    await withSystem(run, started, options, figures);
  }
  if (wants('fanout')) {
    figures.fanout = await measureFanout({ followers: options.followers, runs: options.runs });
  }
  const fanoutBest = figures.fanout ? printFanout(figures.fanout) : undefined;
  printWriteSummary(figures, options, fanoutBest);
  console.log(`whole run: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Items 1 to 4: the engines ensured, every service started, the graph seeded. */
async function withSystem(run: string, started: number, options: WriteBenchOptions, figures: WriteFigures) {
  const wants = (item: WriteItem) => options.only.includes(item);
  const engines = engineAddresses();
  // kafkajs's own logs stay off: a benchmark prints figures, and failures surface as errors.
  const kafka = new kafkajs.Kafka({
    clientId: `bench-${run}`,
    brokers: engines.kafkaBrokers,
    ...(engines.kafkaCredentials && { sasl: { mechanism: 'scram-sha-512', ...engines.kafkaCredentials } }),
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  ensureEngines();
  const admin = kafka.admin();
  await admin.connect();
  const services = await startServices({
    env: { ...productionEnv(), LOG_LEVEL: 'error' },
    ports: BENCH_PORTS,
    // BENCH_SERVICE_LOG=file keeps the services' (error) logs, to tell why one failed.
    output: serviceLog(process.env.BENCH_SERVICE_LOG),
    readyTimeoutMs: 180_000,
  });
  const gateway = services.find((s) => s.definition.name === 'gateway');
  if (!gateway) throw new Error('the gateway did not start');
  console.log(`\nwrite benchmark ${run}: every service up in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const client = createGatewayClient(`${gateway.url}/graphql`);
  const producer = await createProducer(kafka);
  const deps = { kafka, producer, run };
  const pids: Record<string, number> = {
    ...Object.fromEntries(services.map((s) => [s.definition.name, s.child.pid ?? 0])),
    ...enginePids(),
    'load generator': process.pid,
  };
  const catchUp = async (when = 'then', timeoutMs = 300_000) => {
    const drained = await waitForCaughtUp(admin, timeoutMs);
    console.log(
      `  (${when} the writers and projectors caught up with ${int(drained.lagAtStart)} records in ` +
        `${drained.seconds.toFixed(1)} s; left: ${int(drained.lagLeft)})`,
    );
  };
  try {
    // What earlier runs left in Kafka would slow this one's seeding and first measurement.
    await catchUp('before seeding', 60_000);
    if (wants('sustained') || wants('mutations') || wants('spike')) {
      const layout = graphLayout(options.authors, options.users);
      const graph = await seedGraph({ ...deps, admin, client }, layout);
      console.log(
        `social graph ${layout.name}: ${int(layout.users.length)} users, ${layout.authors.length} authors with ` +
          `${options.authors.map((t) => `${t.authors} × ${int(t.followers)}`).join(', ')} followers, ` +
          `${int(layout.follows)} follows; ${graph.made ? 'seeded through users.commands in' : 'reused (found complete) in'} ` +
          `${graph.seconds.toFixed(1)} s`,
      );
      const seeding = performance.now();
      const fresh = await seedRun(deps, layout, RUN_TARGETS, RUN_POSTS);
      await catchUp('after seeding');
      console.log(
        `this run's ${RUN_TARGETS} users to follow and connect with and ${RUN_POSTS} posts, through the writers, ` +
          `in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
      );
      const makePlan = () =>
        createMixPlan({
          layout,
          weights: options.weights,
          posts: fresh.posts,
          targets: fresh.targets,
          random: Math.random,
          newId: randomUUID,
        });
      // One plan for everything that reaches the system, so that no item repeats another's love or follow.
      const plan = makePlan();
      await warnIfShared(admin, 'writers-posts');
      if (wants('sustained')) {
        const load = machineLoad();
        figures.throughput = await measureMixThroughput(
          { ...deps, admin, plan, makeRawPlan: makePlan, pids },
          { window: options.window, warmupSeconds: 3, seconds: options.seconds },
        );
        printMixThroughput(figures.throughput, { ...options, warmupSeconds: 3 }, load);
        await catchUp();
      }
      const everyone = [...layout.users, ...layout.authors.map((a) => a.id), ...fresh.targets];
      const mutationDeps = { client, admin, plan, users: everyone, pids };
      if (wants('mutations') || wants('spike')) await mintTokens(client, everyone);
      if (wants('mutations')) {
        const load = machineLoad();
        figures.mutations = await measureMutationMix(mutationDeps, {
          rate: options.rate,
          seconds: options.latencySeconds,
          warmupSeconds: 2,
        });
        printMutationMix(figures.mutations, { ...options, seconds: options.latencySeconds, warmupSeconds: 2 }, load);
        await catchUp();
      }
      if (wants('spike')) {
        const load = machineLoad();
        const spike = { rate: options.rate * 2, seconds: options.spikeSeconds };
        figures.spike = await measureSpike(mutationDeps, spike);
        printSpike(figures.spike, spike, load);
        await catchUp();
      }
    }
    if (wants('feed')) {
      const users = await seedUsers(client, run, 0);
      const load = machineLoad();
      figures.feed = await measureFeedLatency(client, users.feedAuthor, users.follower, options.feedPosts);
      printFeed(figures.feed, options, load);
    }
  } finally {
    client.close();
    await producer.disconnect();
    await stopServices(services);
    await admin.disconnect();
  }
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

function statusList(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([status, count]) => `${status} ${int(count)}`)
    .join(', ');
}

function printFeed(f: FeedLatencyFigures, o: WriteBenchOptions, load: string): void {
  console.log(
    `\n4. createPost → at the top of a follower's feed (feed(first: 1) read back to back through the gateway), ` +
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
