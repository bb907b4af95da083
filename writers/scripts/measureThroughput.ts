/**
 * How much the posts writer sustains, on the real Kafka and Cassandra, with 1 process and with
 * more in the same consumer group (the first step past one machine, see the README):
 * 1. capacity, for each count in MEASURE_WRITERS: that many writer processes join one group on
 *    fresh topics (the group stable with all of them first), then a backlog of LovePost
 *    commands is published; commands/s = backlog / (first outcome → last outcome), with the
 *    CPU per command of the writers, Kafka and Cassandra;
 * 2. latency (1 process): commands published at a steady rate, each one's time from the
 *    publish call to its outcome being read: p50, p99.
 * Topics and consumer groups are this run's own; rows go to the test keyspace.
 *
 *   npx tsx writers/scripts/measureThroughput.ts
 *   MEASURE_WRITERS=1,2 MEASURE_BACKLOG=3000 MEASURE_RATES=100,200 MEASURE_SECONDS=15 …
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { CommandOutcomeSchema } from '@verograph/contracts/common/v1/outcome';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { coalesceSends, createKafka, createProducer, type OutgoingRecord } from '@verograph/messaging';
import { engineAddresses, envReader } from '@verograph/service';
import { cpuMillis, engines, readPidRecord, signInAsAdmin, stackLayout } from '@verograph/stack';

import { TEST_KEYSPACE, testCassandra, testTopics } from '../src/testing/engines.ts';
import { killHard, spawnWriter } from '../src/testing/spawnWriter.ts';

// A tool: it signs in to the engines as the stack's admin, as the tests do.
signInAsAdmin();
const env = envReader();
const backlog = env.int('MEASURE_BACKLOG', 3000, { min: 100 });
const writerCounts = env.list('MEASURE_WRITERS', ['1', '2']).map(Number);
const rates = env.list('MEASURE_RATES', ['100', '250']).map(Number);
const seconds = env.int('MEASURE_SECONDS', 15, { min: 3 });
const concurrency = env.int('MEASURE_CONCURRENCY', 12, { min: 1 });
const keyConcurrency = env.int('MEASURE_KEY_CONCURRENCY', 8, { min: 1 });
const postCount = 200;

const run = randomUUID().slice(0, 8);
const kafka = createKafka(`measure-${run}`, engineAddresses().kafkaBrokers);
const admin = kafka.admin();
await admin.connect();
const cassandra = await testCassandra();
const producer = await createProducer(kafka);
const steady = coalesceSends(producer);
const layout = stackLayout();
const enginePids: Record<string, number> = {};
for (const engine of engines) {
  const record = readPidRecord(layout.pidFile(engine.name));
  if (record && (engine.name === 'kafka' || engine.name === 'cassandra')) enginePids[engine.name] = record.pid;
}

// The author's profile is a fixture: only the posts writer is measured.
const authorId = `measure-author-${run}`;
await cassandra.execute('INSERT INTO users (id, username, display_name) VALUES (?, ?, ?)', [authorId, authorId, 'M'], {
  prepare: true,
});

type Command = NonNullable<MessageInitShape<typeof PostCommandSchema>['command']>;
const command = (topic: string, actor: string, postId: string, init: Command) => {
  const commandId = randomUUID();
  const value = toBinary(
    PostCommandSchema,
    create(PostCommandSchema, { envelope: { commandId, aggregateId: postId, actorId: actor }, command: init }),
  );
  const record: OutgoingRecord = { topic, key: postId, value };
  return { commandId, record };
};

const made: string[] = [];

/** Fresh topics and posts, a watcher of their outcomes, and `count` writers in one group on them. */
async function setUp(count: number) {
  const name = `measure-${run}-${count}w`;
  const topics = await testTopics(admin, name, 12);
  const posts = Array.from({ length: postCount }, () => randomUUID());
  let loveSeq = 0;
  const love = () => {
    const postId = posts[loveSeq % posts.length]!;
    const userId = `lover-${loveSeq++}`;
    return command(topics.postsCommands, userId, postId, { case: 'lovePost', value: { postId, userId } });
  };
  // Outcomes, as the mutations would read them: when each command's outcome arrived.
  const outcomeAt = new Map<string, number>();
  const watcher = kafka.consumer({ groupId: `${name}-watch`, maxWaitTimeInMs: 20 });
  await watcher.connect();
  await watcher.subscribe({ topics: [topics.outcomes], fromBeginning: true });
  await watcher.run({
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const m of batch.messages) {
        const id = fromBinary(CommandOutcomeSchema, m.value!).commandId;
        if (!outcomeAt.has(id)) outcomeAt.set(id, now);
      }
    },
  });
  const until = async (ids: readonly string[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!ids.every((id) => outcomeAt.has(id))) {
      if (Date.now() > deadline)
        throw new Error(`only ${ids.filter((id) => outcomeAt.has(id)).length}/${ids.length} outcomes`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const groupId = `${name}-posts`;
  const writers = await Promise.all(
    Array.from({ length: count }, () =>
      spawnWriter({
        name: 'posts',
        groupId,
        topics: topics.of('posts'),
        keyspace: TEST_KEYSPACE,
        concurrency,
        keyConcurrency,
      }),
    ),
  );
  // Every writer holds its share of the partitions before anything is timed.
  for (let stable = false; !stable;) {
    const [group] = (await admin.describeGroups([groupId])).groups;
    stable = group?.state === 'Stable' && group.members.length === count;
    if (!stable) await new Promise((r) => setTimeout(r, 200));
  }
  const creates = posts.map((postId) =>
    command(topics.postsCommands, authorId, postId, {
      case: 'createPost',
      value: { postId, authorId, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: 'measured' },
    }),
  );
  await producer.send(creates.map((c) => c.record));
  await until(
    creates.map((c) => c.commandId),
    120_000,
  );
  const tearDown = async () => {
    // Stopped gently, so that a writer run with --cpu-prof (WRITER_NODE_ARGS) writes its profile.
    await Promise.all(
      writers.map(
        (writer) =>
          new Promise<void>((resolve) => {
            writer.once('exit', () => resolve());
            writer.kill('SIGTERM');
            setTimeout(() => void killHard(writer).then(resolve), 15_000).unref();
          }),
      ),
    );
    await watcher.disconnect();
    // Deleted at the end only: kafkajs keeps a deleted topic in every later metadata request
    // of a client that used it, which then fails.
    made.push(...topics.all);
  };
  return { writers, love, outcomeAt, until, tearDown };
}

/** 1. Capacity of `count` writers: a backlog published at once, drained from first to last outcome. */
async function capacity(system: Awaited<ReturnType<typeof setUp>>) {
  const { writers, love, outcomeAt, until } = system;
  const pids: Record<string, number> = { ...enginePids };
  writers.forEach((w, i) => (pids[`writer ${i + 1}`] = w.pid!));
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMillis(pid) ?? 0]));
  const loadBefore = loadavg()[0]!;
  const loves = Array.from({ length: backlog }, love);
  for (let i = 0; i < loves.length; i += 500) await producer.send(loves.slice(i, i + 500).map((c) => c.record));
  const drained = loves.map((c) => c.commandId);
  await until(drained, 600_000);
  const cpuPerCommandMs = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [
      name,
      Number((((cpuMillis(pid) ?? 0) - cpuBefore[name]!) / drained.length).toFixed(3)),
    ]),
  );
  const times = drained.map((id) => outcomeAt.get(id)!);
  const drainSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    writerProcesses: writers.length,
    commands: drained.length,
    seconds: Number(drainSeconds.toFixed(2)),
    commandsPerSecond: Math.round(drained.length / drainSeconds),
    cpuPerCommandMs,
    loadAverage1m: { before: loadBefore, after: loadavg()[0]! },
  };
}

/** 2. Latency at steady rates, with the writers caught up. */
async function latencies(system: Awaited<ReturnType<typeof setUp>>) {
  const { love, outcomeAt, until } = system;
  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const latency: Record<string, unknown>[] = [];
  for (const rate of rates) {
    const sent: { id: string; at: number }[] = [];
    const inFlight: Promise<void>[] = [];
    const tickMs = 20;
    let offered = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      // As many as the rate owes by now, so timer drift does not lower the offered rate.
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - offered;
      const batch = Array.from({ length: Math.max(0, due) }, love);
      offered += batch.length;
      if (batch.length > 0) {
        // The clock starts when the command is handed to the producer, as a mutation's would;
        // the send is not awaited, so a slow acknowledgement does not lower the offered rate.
        const at = performance.now();
        for (const c of batch) sent.push({ id: c.commandId, at });
        inFlight.push(steady.send(batch.map((c) => c.record)));
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(inFlight);
    const achieved = sent.length / ((performance.now() - started) / 1000);
    await until(
      sent.map((s) => s.id),
      120_000,
    );
    const ms = sent.map((s) => outcomeAt.get(s.id)! - s.at).sort((a, b) => a - b);
    latency.push({
      targetPerSecond: rate,
      achievedPerSecond: Math.round(achieved),
      commands: sent.length,
      p50Ms: Math.round(percentile(ms, 50)),
      p99Ms: Math.round(percentile(ms, 99)),
      maxMs: Math.round(ms[ms.length - 1]!),
    });
  }
  return latency;
}

const results: Record<string, unknown>[] = [];
let latency: Record<string, unknown>[] = [];
for (const count of writerCounts) {
  const system = await setUp(count);
  try {
    results.push(await capacity(system));
    if (count === 1 && rates.length > 0) latency = await latencies(system);
  } finally {
    await system.tearDown();
  }
}
const [first] = results;
console.log(
  JSON.stringify(
    {
      writer: 'posts',
      partitions: 12,
      partitionsConsumedConcurrently: concurrency,
      keysConsumedConcurrently: keyConcurrency,
      capacity: results.map((r) => ({
        ...r,
        ratioToFirst: Number(((r.commandsPerSecond as number) / (first!.commandsPerSecond as number)).toFixed(2)),
      })),
      latencyWithOneWriter: latency,
    },
    null,
    2,
  ),
);
await producer.disconnect();
await admin.deleteTopics({ topics: made }).catch(() => undefined);
await admin.disconnect();
await cassandra.shutdown();
