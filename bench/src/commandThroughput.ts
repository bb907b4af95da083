/**
 * Item 1 of `npm run bench -- write`: commands per second sustained through the real write path
 * (posts.commands → the writers process → Cassandra → posts.events + commands.outcomes), beside
 * what Kafka alone sustains for the same records (produce → a no-op consumer) on this machine.
 */
import { performance } from 'node:perf_hooks';

import { fromBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { coalesceSends, topics, type MessageProducer } from '@verograph/messaging';
import type { Kafka } from 'kafkajs';

import type { BenchCommand } from './postCommands.ts';
import { createPostCommand } from './postCommands.ts';
import { sleep } from './stats.ts';
import { tailTopic, type TopicTail } from './topicTail.ts';

export interface SustainOptions {
  /** Commands in flight (published, not yet completed): enough that the consumer never waits. */
  readonly window: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface Sustained {
  readonly perSecond: number;
  /** Completed within the measured seconds. */
  readonly completed: number;
  readonly seconds: number;
}

/**
 * Publishes as fast as the far end completes: keeps `window` records in flight, tops the window
 * up as completions arrive, and counts completions over `seconds` after a warm-up.
 */
export async function sustain(
  options: SustainOptions,
  publish: (count: number) => Promise<void>,
  completed: () => number,
  /** Called when the warm-up ends and the measured seconds begin (to start a CPU meter, say). */
  onMeasuring: () => void = () => undefined,
): Promise<Sustained> {
  const chunk = Math.max(1, Math.min(1000, Math.floor(options.window / 4)));
  let published = 0;
  let failure: unknown;
  const started = performance.now();
  let from: { at: number; count: number } | undefined;
  for (;;) {
    if (failure) throw failure;
    const now = performance.now();
    if (!from && now - started >= options.warmupSeconds * 1000) {
      from = { at: now, count: completed() };
      onMeasuring();
    }
    if (from && now - from.at >= options.seconds * 1000) {
      const seconds = (now - from.at) / 1000;
      const count = completed() - from.count;
      return { perSecond: count / seconds, completed: count, seconds };
    }
    const room = options.window - (published - completed());
    if (room >= chunk) {
      published += chunk;
      publish(chunk).catch((error: unknown) => (failure = error));
    } else {
      await sleep(2);
    }
  }
}

/** Waits until `done()` or the timeout; false when it timed out. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

export interface ThroughputFigures {
  readonly writers: Sustained;
  readonly raw: Sustained;
  readonly applied: number;
  readonly rejected: number;
  readonly rejections: Readonly<Record<string, number>>;
}

export interface WritePathDeps {
  readonly kafka: Kafka;
  readonly producer: MessageProducer;
  /** Names this run's topics and consumer groups. */
  readonly run: string;
}

export interface ThroughputDeps extends WritePathDeps {
  /** Makes the next LovePost command for a topic. */
  readonly nextLove: (topic: string) => BenchCommand;
}

/**
 * Creates `postCount` posts by `authorId` through the writers (CreatePost on posts.commands)
 * and waits for every outcome; returns the post ids.
 */
export async function createPostsThroughWriters(
  deps: WritePathDeps & { readonly authorId: string },
  postCount: number,
): Promise<string[]> {
  const pending = new Map<string, string>();
  const rejections: string[] = [];
  const tail = await tailTopic(deps.kafka, topics.commandOutcomes, `bench-${deps.run}-create-outcomes`, (messages) => {
    for (const m of messages) {
      const outcome = fromBinary(CommandOutcomeSchema, m.value!);
      if (!pending.delete(outcome.commandId)) continue;
      if (outcome.status !== CommandStatus.APPLIED) rejections.push(outcome.reasonCode);
    }
  });
  try {
    const creates = Array.from({ length: postCount }, () => createPostCommand(topics.postsCommands, deps.authorId));
    for (const c of creates) pending.set(c.commandId, c.record.key);
    await deps.producer.send(creates.map((c) => c.record));
    if (!(await until(() => pending.size === 0, 60_000))) {
      throw new Error(`${pending.size} of ${postCount} CreatePost commands got no outcome within 60 s`);
    }
    if (rejections.length > 0) throw new Error(`CreatePost rejected: ${rejections.slice(0, 5).join(', ')}`);
    return creates.map((c) => c.record.key);
  } finally {
    await tail.stop();
  }
}

/**
 * The raw Kafka round trip of LovePost records on a topic of this run first, then the writers'
 * rate for the same kind of records on posts.commands, with the same window and duration.
 */
export async function measureThroughput(deps: ThroughputDeps, options: SustainOptions): Promise<ThroughputFigures> {
  const producer = coalesceSends(deps.producer);
  const admin = deps.kafka.admin();
  await admin.connect();
  try {
    // Baseline: the same LovePost records through Kafka alone, on a topic partitioned like posts.commands.
    const rawTopic = `bench.raw.commands.${deps.run}`;
    const partitions = (await admin.fetchTopicOffsets(topics.postsCommands)).length;
    await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: partitions }], waitForLeaders: true });
    let rawCompleted = 0;
    let rawTail: TopicTail | undefined;
    let raw: Sustained;
    try {
      rawTail = await tailTopic(deps.kafka, rawTopic, `bench-${deps.run}-raw`, (messages) => {
        rawCompleted += messages.length;
      });
      raw = await sustain(
        options,
        (count) => producer.send(Array.from({ length: count }, () => deps.nextLove(rawTopic).record)),
        () => rawCompleted,
      );
    } finally {
      await rawTail?.stop();
      await admin.deleteTopics({ topics: [rawTopic] }).catch(() => undefined);
    }

    // Ours: the same records on posts.commands; a command completes when its outcome is published.
    const pending = new Set<string>();
    let completed = 0;
    let applied = 0;
    const rejections: Record<string, number> = {};
    const tail = await tailTopic(deps.kafka, topics.commandOutcomes, `bench-${deps.run}-outcomes`, (messages) => {
      for (const m of messages) {
        const outcome = fromBinary(CommandOutcomeSchema, m.value!);
        if (!pending.delete(outcome.commandId)) continue;
        completed++;
        if (outcome.status === CommandStatus.APPLIED) applied++;
        else rejections[outcome.reasonCode] = (rejections[outcome.reasonCode] ?? 0) + 1;
      }
    });
    try {
      const writers = await sustain(
        options,
        (count) => {
          const batch = Array.from({ length: count }, () => deps.nextLove(topics.postsCommands));
          for (const c of batch) pending.add(c.commandId);
          return producer.send(batch.map((c) => c.record));
        },
        () => completed,
      );
      // What is still in flight is drained, so the next measurement starts from a quiet writer.
      await until(() => pending.size === 0, 120_000);
      const rejected = Object.values(rejections).reduce((a, b) => a + b, 0);
      return { writers, raw, applied, rejected, rejections };
    } finally {
      await tail.stop();
    }
  } finally {
    await admin.disconnect();
  }
}
