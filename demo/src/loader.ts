import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { MessageProducer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { OutcomeListener, OutcomeReader } from '@verograph/subgraph-kit';
import type { Admin } from 'kafkajs';

import type { DemoCommand, Phase } from './commands.ts';
import { totalLag } from './consumerLag.ts';

/** What the loader needs from the engines, built by the caller (the CLI, a test). */
export interface LoaderDeps {
  readonly producer: MessageProducer;
  /** Started before any command is published, so no outcome is missed. */
  readonly outcomes: OutcomeListener;
  /** The writers' decision log: commands already decided (an earlier run) are not sent again. */
  readonly decisions: OutcomeReader;
  readonly admin: Admin;
  readonly logger: Logger;
}

export interface LoaderOptions {
  /** Records per produce request. */
  readonly batchSize?: number;
  /** How long a phase may wait for its outcomes. */
  readonly outcomeTimeoutMs?: number;
  /** The consumer groups whose lag must reach 0 (the projectors) before the load is done. */
  readonly caughtUpGroups: (groupIds: readonly string[]) => readonly string[];
  readonly catchUpTimeoutMs?: number;
}

export interface PhaseReport {
  readonly name: string;
  readonly commands: number;
  /** Decided by an earlier run, so not sent. */
  readonly alreadyDecided: number;
  readonly published: number;
  readonly applied: number;
  /** Rejections by code; a generated network is valid, so any is a bug worth seeing. */
  readonly rejected: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export interface LoadReport {
  readonly phases: readonly PhaseReport[];
  readonly published: number;
  /** Seconds until the projectors had caught up, after the last outcome. */
  readonly catchUpSeconds: number;
  readonly seconds: number;
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The commands of a phase that no writer has decided yet. */
async function undecided(commands: readonly DemoCommand[], decisions: OutcomeReader): Promise<DemoCommand[]> {
  const fresh: DemoCommand[] = [];
  await eachLimited(commands, 128, async (command) => {
    if (!(await decisions.find(command.commandId))) fresh.push(command);
  });
  // Kafka keeps one key's order only if it is sent in order: restore the phase's order.
  const order = new Map(commands.map((c, i) => [c.commandId, i]));
  return fresh.sort((a, b) => order.get(a.commandId)! - order.get(b.commandId)!);
}

async function runPhase(phase: Phase, deps: LoaderDeps, options: LoaderOptions): Promise<PhaseReport> {
  const started = performance.now();
  const toSend = await undecided(phase.commands, deps.decisions);
  const deadline = Date.now() + (options.outcomeTimeoutMs ?? 300_000);
  const waits = toSend.map((c) => deps.outcomes.expect(c.commandId).until(deadline));
  const batchSize = options.batchSize ?? 5_000;
  for (let i = 0; i < toSend.length; i += batchSize) {
    await deps.producer.send(toSend.slice(i, i + batchSize).map((c) => c.record));
  }
  let applied = 0;
  let missing = 0;
  const rejected: Record<string, number> = {};
  for (const outcome of await Promise.all(waits)) {
    if (!outcome) missing++;
    else if (outcome.status === 'APPLIED') applied++;
    else rejected[outcome.reason?.code ?? 'REJECTED'] = (rejected[outcome.reason?.code ?? 'REJECTED'] ?? 0) + 1;
  }
  if (missing > 0) {
    throw new Error(
      `${missing} of ${toSend.length} ${phase.name} commands had no outcome in time: are the writers running? ` +
        'Run the demo again to send what is missing (decided commands are not sent twice).',
    );
  }
  return {
    name: phase.name,
    commands: phase.commands.length,
    alreadyDecided: phase.commands.length - toSend.length,
    published: toSend.length,
    applied,
    rejected,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Waits until the chosen groups have no lag (read models up to date), or the timeout. */
async function caughtUp(deps: LoaderDeps, options: LoaderOptions): Promise<number> {
  const started = performance.now();
  const timeoutMs = options.catchUpTimeoutMs ?? 300_000;
  for (;;) {
    const groups = options.caughtUpGroups((await deps.admin.listGroups()).groups.map((g) => g.groupId));
    const lag = await totalLag(deps.admin, groups);
    if (lag === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`the projectors still lag ${lag} events after ${timeoutMs / 1000} s: are they running?`);
    }
    await sleep(250);
  }
}

/**
 * Publishes each phase's undecided commands in large batches, waits for every outcome before
 * the next phase, then for the projectors to catch up: when it returns, the read models hold
 * the whole network.
 */
export async function loadPhases(phases: readonly Phase[], deps: LoaderDeps, options: LoaderOptions) {
  const started = performance.now();
  const reports: PhaseReport[] = [];
  for (const phase of phases) {
    const report = await runPhase(phase, deps, options);
    deps.logger.info(report, `demo: ${phase.name}`);
    reports.push(report);
  }
  const catchUpSeconds = await caughtUp(deps, options);
  return {
    phases: reports,
    published: reports.reduce((sum, r) => sum + r.published, 0),
    catchUpSeconds,
    seconds: (performance.now() - started) / 1000,
  } satisfies LoadReport;
}
