/**
 * How much one writer process sustains, on the real Kafka and Cassandra:
 * 1. capacity: a backlog of commands is published first, then one posts writer process is
 *    started and drains it; commands/s = backlog / (last outcome − first outcome);
 * 2. latency: with the writer caught up, commands are published at a steady rate and each
 *    one's time from the publish call to its outcome being read is recorded: p50, p99.
 * Topics and consumer groups are this run's own; rows go to the test keyspace.
 *
 *   npx tsx writers/scripts/measureThroughput.ts
 *   MEASURE_BACKLOG=3000 MEASURE_RATES=100,200 MEASURE_SECONDS=15 MEASURE_CONCURRENCY=4 …
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
const rates = env.list('MEASURE_RATES', ['100', '250']).map(Number);
const seconds = env.int('MEASURE_SECONDS', 15, { min: 3 });
const concurrency = env.int('MEASURE_CONCURRENCY', 12, { min: 1 });
const keyConcurrency = env.int('MEASURE_KEY_CONCURRENCY', 8, { min: 1 });
const postCount = 200;

const run = randomUUID().slice(0, 8);
const kafka = createKafka(`measure-${run}`, engineAddresses().kafkaBrokers);
const admin = kafka.admin();
await admin.connect();
const topics = await testTopics(admin, `measure-${run}`, 12);
const cassandra = await testCassandra();
const producer = await createProducer(kafka);
const steady = coalesceSends(producer);

// The author's profile is a fixture: only the posts writer is measured.
const authorId = `measure-author-${run}`;
await cassandra.execute('INSERT INTO users (id, username, display_name) VALUES (?, ?, ?)', [authorId, authorId, 'M'], {
  prepare: true,
});
const posts = Array.from({ length: postCount }, () => randomUUID());

const command = (
  actor: string,
  postId: string,
  init: NonNullable<MessageInitShape<typeof PostCommandSchema>['command']>,
) => {
  const commandId = randomUUID();
  const record: OutgoingRecord = {
    topic: topics.postsCommands,
    key: postId,
    value: toBinary(
      PostCommandSchema,
      create(PostCommandSchema, { envelope: { commandId, aggregateId: postId, actorId: actor }, command: init }),
    ),
  };
  return { commandId, record };
};
const createPost = (postId: string) =>
  command(authorId, postId, {
    case: 'createPost',
    value: { postId, authorId, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: 'measured' },
  });
let loveSeq = 0;
const love = () => {
  const postId = posts[loveSeq % posts.length]!;
  const userId = `lover-${loveSeq++}`;
  return command(userId, postId, { case: 'lovePost', value: { postId, userId } });
};

// Outcomes, as the mutations would read them: when each command's outcome arrived.
const outcomeAt = new Map<string, number>();
const watcher = kafka.consumer({ groupId: `measure-watch-${run}`, maxWaitTimeInMs: 20 });
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

// 1. Capacity: the backlog is in Kafka before the writer starts.
const creates = posts.map(createPost);
await producer.send(creates.map((c) => c.record));
const loves = Array.from({ length: backlog }, love);
for (let i = 0; i < loves.length; i += 500) await producer.send(loves.slice(i, i + 500).map((c) => c.record));
const writer = await spawnWriter({
  name: 'posts',
  groupId: `measure-posts-${run}`,
  topics: topics.of('posts'),
  keyspace: TEST_KEYSPACE,
  concurrency,
  keyConcurrency,
});
// CPU by process while the backlog drains: where each command's cost goes.
const layout = stackLayout();
const pids: Record<string, number> = { writer: writer.pid! };
for (const engine of engines) {
  const record = readPidRecord(layout.pidFile(engine.name));
  if (record && (engine.name === 'kafka' || engine.name === 'cassandra')) pids[engine.name] = record.pid;
}
const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMillis(pid) ?? 0]));
const loadBefore = loadavg()[0]!;
const drained = [...creates, ...loves].map((c) => c.commandId);
await until(drained, 600_000);
const cpuPerCommandMs = Object.fromEntries(
  Object.entries(pids).map(([name, pid]) => [
    name,
    Number((((cpuMillis(pid) ?? 0) - cpuBefore[name]!) / drained.length).toFixed(3)),
  ]),
);
const loadAfter = loadavg()[0]!;
const times = drained.map((id) => outcomeAt.get(id)!);
const drainSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
const capacity = Math.round(drained.length / drainSeconds);

// 2. Latency at steady rates, with the writer caught up.
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

console.log(
  JSON.stringify(
    {
      writer: 'posts (one process)',
      partitionsConsumedConcurrently: concurrency,
      keysConsumedConcurrently: keyConcurrency,
      capacity: {
        commands: drained.length,
        seconds: Number(drainSeconds.toFixed(2)),
        commandsPerSecond: capacity,
        // From the writer's start (it joins its group, then drains) to the last outcome.
        cpuPerCommandMs,
        loadAverage1m: { before: loadBefore, after: loadAfter },
      },
      latency,
    },
    null,
    2,
  ),
);

// Stopped gently, so that a writer run with --cpu-prof (NODE_OPTIONS) writes its profile.
await new Promise<void>((resolve) => {
  writer.once('exit', () => resolve());
  writer.kill('SIGTERM');
  setTimeout(() => void killHard(writer).then(resolve), 15_000).unref();
});
await watcher.disconnect();
await producer.disconnect();
await admin.deleteTopics({ topics: topics.all }).catch(() => undefined);
await admin.disconnect();
await cassandra.shutdown();
