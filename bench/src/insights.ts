import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { TrendingTagResultSchema, TrendingWindow } from '@verograph/contracts/insights/v1/insights';
import { createKafka, topics } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import type { Kafka } from 'kafkajs';

import { closingRecords, simulatedHour, type EventRecord } from './insightsEvents.ts';
import { checkpointAfter, runningJobId, sourceRecords, startBenchJob } from './insightsJob.ts';
import { printCheckpoints, printLatency, printRates, printRun, type Latency, type Reading } from './insightsSummary.ts';
import { machineLoad, sleep } from './stats.ts';
import { ensureEngines } from './system.ts';
import { tailTopic } from './topicTail.ts';

export interface InsightsOptions {
  readonly events: number;
  readonly samples: number;
  readonly checkpointMs: number;
  readonly partitions: number;
  readonly restPort: number;
}

const resultTopics = [
  topics.insightsTrendingTags,
  topics.insightsPostEngagement,
  topics.insightsFollowerChanges,
  topics.insightsThrottles,
];

/** `npm run bench -- insights`: the Flink job on topics of the run, each figure beside its baseline. */
export async function benchInsights(options: InsightsOptions): Promise<void> {
  ensureEngines();
  const run = randomUUID().slice(0, 8);
  const prefix = `bench.insights.${run}.`;
  const postsTopic = `${prefix}${topics.postsEvents}`;
  const usersTopic = `${prefix}${topics.usersEvents}`;
  const kafka = createKafka(`bench-insights-${run}`, engineAddresses().kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  const workDir = mkdtempSync(join(tmpdir(), `bench-insights-${run}-`));
  console.log(`insights bench ${run}: ${machineLoad()} at the start; job log ${workDir}/job.log`);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...[postsTopic, usersTopic].map((topic) => ({ topic, numPartitions: options.partitions })),
      ...resultTopics.map((t) => ({ topic: `${prefix}${t}`, numPartitions: 1 })),
    ],
  });
  // The simulated hour ended three hours ago, on a whole minute: the latency samples that follow
  // it stay in the past too.
  const start = Math.floor((Date.now() - 3_600_000 - 3 * 3_600_000) / 60_000) * 60_000;
  const hour = [...simulatedHour({ start, events: options.events, tags: 50, authors: 1000, run })];
  const job = await startBenchJob({
    prefix,
    restPort: options.restPort,
    checkpointMs: options.checkpointMs,
    workDir,
    log: join(workDir, 'job.log'),
  });
  try {
    const started = Date.now();
    const jid = await runningJobId(job, 300_000);
    const idle = await checkpointAfter(job.rest, jid, 0, 120_000);
    console.log(`job RUNNING after ${((Date.now() - started) / 1000).toFixed(0)} s; ${machineLoad()}`);

    // The hour is published in one transaction: the job (read committed) sees all of it at once,
    // so what it sustains is not bounded by how fast this process publishes.
    const published = Date.now();
    await publish(kafka, prefix, postsTopic, usersTopic, hour);
    const committed = Date.now();
    console.log(`published ${hour.length} events in ${((committed - published) / 1000).toFixed(1)} s`);
    const expected = {
      posts: hour.filter((r) => r.stream === 'posts').length,
      users: hour.filter((r) => r.stream === 'users').length,
    };
    const jobRun = await jobReads(job.rest, jid, expected, committed);
    const hourState = await checkpointAfter(job.rest, jid, jobRun.last, 120_000);
    const bare = await bareConsumer(kafka, `${prefix}bare`, [postsTopic, usersTopic], hour.length);
    console.log(`read by the job and the bare consumer; ${machineLoad()}`);

    console.log(`\n== insights (issue 16): ${machineLoad()}; the machine is shared ==`);
    printRates(options, jobRun, bare);
    printCheckpoints(idle, hourState, job.checkpointDir, options);

    const latency = await windowLatency(kafka, run, prefix, postsTopic, usersTopic, start, options);
    printLatency(options, latency);
    printRun(await checkpointAfter(job.rest, jid, Date.now(), 120_000), job.checkpointDir);
    console.log(machineLoad());
  } finally {
    await job.stop();
    await admin
      .deleteTopics({ topics: [postsTopic, usersTopic, ...resultTopics.map((t) => `${prefix}${t}`)] })
      .catch(() => undefined);
    await admin.disconnect();
    rmSync(join(workDir, 'checkpoints'), { recursive: true, force: true });
  }
}

async function publish(kafka: Kafka, prefix: string, posts: string, users: string, records: readonly EventRecord[]) {
  const producer = kafka.producer({
    transactionalId: `${prefix}loader`,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 600_000,
  });
  await producer.connect();
  const transaction = await producer.transaction();
  for (let i = 0; i < records.length; i += 5_000) {
    const batch = records.slice(i, i + 5_000);
    await transaction.sendBatch({
      topicMessages: [
        { topic: posts, messages: batch.filter((r) => r.stream === 'posts').map(({ key, value }) => ({ key, value })) },
        { topic: users, messages: batch.filter((r) => r.stream === 'users').map(({ key, value }) => ({ key, value })) },
      ],
    });
  }
  await transaction.commit();
  await producer.disconnect();
}

/**
 * Polls the job's source counters until every source operator has read its topic's records
 * (an operator named after post_events all of the posts topic's, user_events the users'):
 * from the first record read to the last.
 */
async function jobReads(
  rest: string,
  jid: string,
  expected: { posts: number; users: number },
  committed: number,
): Promise<Reading> {
  const total = expected.posts + expected.users;
  let first = 0;
  let named = false;
  const deadline = committed + Math.max(300_000, total);
  while (Date.now() < deadline) {
    const counts = await sourceRecords(rest, jid);
    const read = [...counts.values()];
    if (read.some((n) => n > 0) && first === 0) first = Date.now();
    if (!named && counts.size > 0) {
      named = true;
      console.log(`the job's source operators: ${[...counts.keys()].join(', ')}`);
    }
    const done =
      counts.size > 0 &&
      [...counts].every(([operator, n]) => n >= (operator.includes('user_events') ? expected.users : expected.posts));
    if (done) {
      const last = Date.now();
      return { first, last, perSecond: total / ((last - first) / 1000) };
    }
    await sleep(200);
  }
  throw new Error(`the job had not read the ${total} records within ${(deadline - committed) / 1000} s`);
}

/** The baseline: a kafkajs consumer that reads the same records and does nothing with them. */
async function bareConsumer(kafka: Kafka, groupId: string, subscribed: string[], total: number): Promise<Reading> {
  const consumer = kafka.consumer({ groupId, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: subscribed, fromBeginning: true });
  let read = 0;
  let first = 0;
  let last = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = Date.now();
        read += batch.messages.length;
        if (read >= total && last === 0) {
          last = Date.now();
          resolve();
        }
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  // Cleared after: a pending 5-minute timer would keep the process alive once the bench is done.
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, 300_000)))]);
  clearTimeout(timer);
  await consumer.disconnect();
  if (last === 0) throw new Error(`the bare consumer read ${read} of ${total} records`);
  return { first, last, perSecond: total / ((last - first) / 1000) };
}

/**
 * Closes one sliding hour after another: each step publishes records (on every partition) whose
 * event time is 5 s (the job's out-of-orderness) past the next minute, so the watermark passes
 * that window's end; its latency runs from the records' publication to the window's first
 * result on the run's insights.trending_tags, read committed. Baseline: those records seen by a
 * consumer of the input topic.
 */
async function windowLatency(
  kafka: Kafka,
  run: string,
  prefix: string,
  posts: string,
  users: string,
  start: number,
  options: InsightsOptions,
): Promise<Latency> {
  const seenResult = new Map<number, number>();
  const seenRecord = new Map<string, number>();
  const results = await tailTopic(kafka, `${prefix}${topics.insightsTrendingTags}`, `${prefix}tail-results`, (ms) => {
    for (const m of ms) {
      const r = fromBinary(TrendingTagResultSchema, m.value!);
      const end = r.windowEnd ? timestampMs(r.windowEnd) : 0;
      if (r.window === TrendingWindow.HOUR && !seenResult.has(end)) seenResult.set(end, Date.now());
    }
  });
  const inputs = await tailTopic(kafka, posts, `${prefix}tail-inputs`, (ms) => {
    for (const m of ms) if (!seenRecord.has(m.key!.toString())) seenRecord.set(m.key!.toString(), Date.now());
  });
  const producer = kafka.producer();
  await producer.connect();
  const latency: Latency = { results: [], records: [] };
  try {
    for (let k = 1; k <= options.samples; k++) {
      // A step right after the previous result (which came with a checkpoint) would always wait a
      // whole interval for the next one: a random pause spreads the steps over the interval.
      await sleep(Math.random() * options.checkpointMs);
      const windowEnd = start + 3_600_000 + k * 60_000;
      const records = closingRecords(run, k, windowEnd + 5_000, options.partitions);
      const sent = Date.now();
      await producer.sendBatch({
        topicMessages: (['posts', 'users'] as const).map((stream) => ({
          topic: stream === 'posts' ? posts : users,
          messages: records
            .filter((r) => r.stream === stream)
            .map((r, partition) => ({ key: r.key, value: r.value, partition })),
        })),
      });
      const deadline = sent + 60_000 + options.checkpointMs;
      while (!seenResult.has(windowEnd) && Date.now() < deadline) await sleep(20);
      const seen = seenResult.get(windowEnd);
      if (seen === undefined)
        throw new Error(`no HOUR result for the window ending ${new Date(windowEnd).toISOString()}`);
      latency.results.push(seen - sent);
      const inputSeen = records.filter((r) => r.stream === 'posts').map((r) => seenRecord.get(r.key) ?? seen);
      latency.records.push(Math.max(...inputSeen) - sent);
    }
  } finally {
    await producer.disconnect();
    await results.stop();
    await inputs.stop();
  }
  return latency;
}
