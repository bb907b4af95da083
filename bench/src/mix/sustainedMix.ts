/**
 * Item 1 of `npm run bench -- write`: the realistic mix published as commands, sustained. A
 * command counts once its outcome is on commands.outcomes AND every read model has it (the
 * writers' and every projector's consumer group back to lag 0), so the rate is that of the
 * slowest stage. Beside it: Kafka alone for the same records, and CPU per command by process.
 */
import { performance } from 'node:perf_hooks';

import { fromBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { coalesceSends, createProducer, topics, type MessageProducer } from '@verograph/messaging';
import type { Admin } from 'kafkajs';

import { sustain, until, type Sustained, type WritePathDeps } from '../commandThroughput.ts';
import { waitForCaughtUp } from '../consumerLag.ts';
import { cpuMeter } from '../processCpu.ts';
import { sleep } from '../stats.ts';
import { logEnds, tailTopic, type TopicTail } from '../topicTail.ts';
import { mixCommand } from './mixCommands.ts';
import type { MixPlan } from './mixPlan.ts';

export interface MixThroughputOptions {
  /** Commands published and not yet answered, at most. */
  readonly window: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface MixThroughputDeps extends WritePathDeps {
  readonly admin: Admin;
  /**
   * The plan whose actions reach the system: shared with the items after this one, so that
   * they never repeat a love, follow or request this one made.
   */
  readonly plan: MixPlan;
  /** A plan of its own for the baseline, whose records reach no writer. */
  readonly makeRawPlan: () => MixPlan;
  /** The processes whose CPU is split per command, by name. */
  readonly pids: Readonly<Record<string, number>>;
}

export interface MixThroughputFigures {
  readonly ours: {
    /** Commands published in the measured seconds, every one answered and in every read model. */
    readonly commands: number;
    /** From the first of them published to the read models caught up. */
    readonly seconds: number;
    readonly perSecond: number;
    /** Until the last outcome; the rest of `seconds` is the read models catching up. */
    readonly outcomesSeconds: number;
    readonly applied: number;
    readonly rejections: Readonly<Record<string, number>>;
    readonly byKind: Readonly<Record<string, number>>;
    readonly distinctActors: number;
    /** Records still behind when the wait for the read models gave up (10 min): then the rate is an upper bound. */
    readonly lagLeft: number;
  };
  readonly raw: Sustained;
  /** CPU milliseconds per command (per record for Kafka alone), net of each process's idle use. */
  readonly cpuPerCommand: { readonly ours: Record<string, number>; readonly raw: Record<string, number> };
  /** CPU milliseconds per second each process used with no load, measured first. */
  readonly idlePerSecond: Readonly<Record<string, number>>;
}

/** Net CPU per unit: what each process used, less its idle use over the same time, per command. */
function perUnit(
  spent: Record<string, number>,
  idlePerSecond: Readonly<Record<string, number>>,
  seconds: number,
  units: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(spent).map(([name, ms]) => [
      name,
      Math.max(0, ms - (idlePerSecond[name] ?? 0) * seconds) / Math.max(1, units),
    ]),
  );
}

export async function measureMixThroughput(
  deps: MixThroughputDeps,
  options: MixThroughputOptions,
): Promise<MixThroughputFigures> {
  const producer = coalesceSends(deps.producer);
  // What each process burns with no command at all (consumer polls, compaction, heartbeats).
  const idleMeter = cpuMeter(deps.pids);
  const idleStarted = performance.now();
  await sleep(5000);
  const idleSpent = idleMeter.stop();
  const idleSeconds = (performance.now() - idleStarted) / 1000;
  const idlePerSecond = Object.fromEntries(Object.entries(idleSpent).map(([n, ms]) => [n, ms / idleSeconds]));

  // Baseline: the same kind of records through Kafka alone, on a topic partitioned like posts.commands.
  const rawTopic = `bench.raw.commands.${deps.run}`;
  const partitions = (await deps.admin.fetchTopicOffsets(topics.postsCommands)).length;
  await deps.admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: partitions }], waitForLeaders: true });
  let raw: Sustained;
  let rawCpu: Record<string, number>;
  let rawTail: TopicTail | undefined;
  // A producer of its own: kafkajs keeps every topic a producer has sent to in its metadata
  // requests, so once this topic is deleted the shared producer's sends would fail (after 30 s
  // of retries), and the mix's commands after them would never reach a writer.
  let rawProducer: MessageProducer | undefined;
  try {
    rawProducer = await createProducer(deps.kafka);
    const rawSends = coalesceSends(rawProducer);
    await logEnds(deps.admin, rawTopic);
    let rawCompleted = 0;
    rawTail = await tailTopic(deps.kafka, rawTopic, `bench-${deps.run}-raw`, (messages) => {
      rawCompleted += messages.length;
    });
    const rawPlan = deps.makeRawPlan();
    let meter = cpuMeter(deps.pids);
    let measuredFrom = performance.now();
    raw = await sustain(
      options,
      (count) =>
        rawSends.send(
          Array.from({ length: count }, () => {
            const action = rawPlan.next();
            rawPlan.settle(action, 'APPLIED');
            return mixCommand(action, rawTopic).record;
          }),
        ),
      () => rawCompleted,
      () => {
        meter = cpuMeter(deps.pids);
        measuredFrom = performance.now();
      },
    );
    rawCpu = perUnit(meter.stop(), idlePerSecond, (performance.now() - measuredFrom) / 1000, raw.completed);
  } finally {
    await rawTail?.stop();
    await rawProducer?.disconnect();
    await deps.admin.deleteTopics({ topics: [rawTopic] }).catch(() => undefined);
  }

  // Ours: the mix on the writers' topics; every command of ours is answered on commands.outcomes.
  const plan = deps.plan;
  const pending = new Set<string>();
  let answered = 0;
  let applied = 0;
  const rejections: Record<string, number> = {};
  const tail = await tailTopic(deps.kafka, topics.commandOutcomes, `bench-${deps.run}-mix-outcomes`, (messages) => {
    for (const m of messages) {
      const outcome = fromBinary(CommandOutcomeSchema, m.value!);
      if (!pending.delete(outcome.commandId)) continue;
      answered++;
      if (outcome.status === CommandStatus.APPLIED) applied++;
      else rejections[outcome.reasonCode] = (rejections[outcome.reasonCode] ?? 0) + 1;
    }
  });
  try {
    let byKind: Record<string, number> = {};
    let published = 0;
    const publishFor = (seconds: number) =>
      sustain(
        { window: options.window, warmupSeconds: 0, seconds },
        (count) => {
          const batch = Array.from({ length: count }, () => {
            // Published straight to Kafka, so the plan may count on it at once: what follows
            // on the same aggregate (an unlove after a love) shares its key, hence its order.
            const action = plan.next();
            plan.settle(action, 'APPLIED');
            byKind[action.kind] = (byKind[action.kind] ?? 0) + 1;
            return mixCommand(action);
          });
          for (const c of batch) pending.add(c.commandId);
          published += batch.length;
          return producer.send(batch.map((c) => c.record));
        },
        () => answered,
      );
    const drain = async (what: string) => {
      if (!(await until(() => pending.size === 0, 300_000))) {
        throw new Error(`${pending.size} commands of the mix got no outcome within 300 s (${what})`);
      }
      return waitForCaughtUp(deps.admin, 600_000, 250);
    };
    // Warm-up (JIT, prepared statements, caches), then a quiet start for the measured part.
    await publishFor(options.warmupSeconds);
    await drain('warm-up');
    byKind = {};
    published = 0;
    answered = 0;
    applied = 0;
    for (const code of Object.keys(rejections)) delete rejections[code];

    const meter = cpuMeter(deps.pids);
    const started = performance.now();
    await publishFor(options.seconds);
    const commands = published;
    await until(() => pending.size === 0, 300_000);
    const outcomesSeconds = (performance.now() - started) / 1000;
    const caughtUp = await drain('measured');
    const seconds = (performance.now() - started) / 1000;
    const spent = meter.stop();
    return {
      ours: {
        commands,
        seconds,
        perSecond: commands / seconds,
        outcomesSeconds,
        applied,
        rejections,
        byKind,
        distinctActors: plan.distinctActors(),
        lagLeft: caughtUp.lagLeft,
      },
      raw,
      cpuPerCommand: { ours: perUnit(spent, idlePerSecond, seconds, commands), raw: rawCpu },
      idlePerSecond,
    };
  } finally {
    await tail.stop();
  }
}
