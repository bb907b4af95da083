import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startInsightsWorld, type InsightsWorld } from '@verograph/insights-subgraph/testing';
import { createKafka, topics } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import type { Kafka } from 'kafkajs';

import { simulatedHour, type EventRecord } from './insightsEvents.ts';
import { checkpointAfter, runningJobId, sourceRecords, startBenchJob, watermarks } from './insightsJob.ts';
import { windowLatency } from './insightsLatency.ts';
import { printCheckpoints, printLatency, printRates, printRun, type Reading } from './insightsSummary.ts';
import { machineLoad, sleep } from './stats.ts';
import { ensureEngines } from './system.ts';

export interface InsightsOptions {
  readonly events: number;
  readonly samples: number;
  readonly checkpointMs: number;
  readonly outOfOrdernessMs: number;
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
  // The simulated hour ends, on a whole minute, early enough that the latency samples' windows
  // (a minute each after it) end 10 minutes before now at the latest: all in the past, and inside
  // the 2 hours the read model keeps an hour's window.
  const start = Math.floor((Date.now() - 3_600_000 - (options.samples + 10) * 60_000) / 60_000) * 60_000;
  const hour = [...simulatedHour({ start, events: options.events, tags: 50, authors: 1000, run })];
  const job = await startBenchJob({
    prefix,
    restPort: options.restPort,
    checkpointMs: options.checkpointMs,
    outOfOrdernessMs: options.outOfOrdernessMs,
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

    // The read side as it serves: the insights projector on the job's result topics, a keyspace
    // of the run, and the real gateway over the subgraphs (in this process).
    const world = await startInsightsWorld({
      topics: {
        trendingTags: `${prefix}${topics.insightsTrendingTags}`,
        postEngagement: `${prefix}${topics.insightsPostEngagement}`,
        followerChanges: `${prefix}${topics.insightsFollowerChanges}`,
      },
    });
    try {
      await projectorCaughtUp(kafka, world, `${prefix}${topics.insightsTrendingTags}`, `${run}-viewer`);
      const latency = await windowLatency(kafka, world, {
        run,
        posts: postsTopic,
        users: usersTopic,
        trendingTopic: `${prefix}${topics.insightsTrendingTags}`,
        start,
        samples: options.samples,
        partitions: options.partitions,
        checkpointMs: options.checkpointMs,
        viewer: `${run}-viewer`,
        diagnose: () => watermarks(job.rest, jid),
      });
      printLatency(options, latency);
    } finally {
      await world.stop();
    }
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
 * Waits until the insights projector has read every result the hour gave (its group's committed
 * offsets at the result topic's ends; a transaction's commit marker may stay one past the last
 * committed offset) and the gateway answers trending tags.
 */
async function projectorCaughtUp(kafka: Kafka, world: InsightsWorld, topic: string, viewer: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    for (let i = 0; i < 240; i++) {
      const [read] = await admin.fetchOffsets({ groupId: world.projectorGroupId, topics: [topic] });
      const behind = ends.filter((end) => {
        const at = read?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return Number(at) < Number(end.high) - 1;
      });
      const answer = await world.ask(viewer, 'query { trendingTags(window: HOUR, first: 1) { tag } }');
      if (behind.length === 0 && JSON.stringify(answer.body).includes('"tag"')) return;
      await sleep(1_000);
    }
    throw new Error("the insights projector had not read the hour's results within 4 minutes");
  } finally {
    await admin.disconnect();
  }
}
