import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { totalLag, type MessageProducer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { BulkOutcomeReader, OutcomeListener, RecordedOutcome } from '@verograph/subgraph-kit';
import type { Admin } from 'kafkajs';

import type { DemoCommand, Phase } from './commands.ts';

/** What the loader needs from the engines, built by the caller (the CLI, a test). */
export interface LoaderDeps {
  readonly producer: MessageProducer;
  /** Started before any command is published, so no outcome is missed. */
  readonly outcomes: OutcomeListener;
  /** The writers' decision log: commands already decided (an earlier run) are not sent again. */
  readonly decisions: BulkOutcomeReader;
  readonly admin: Admin;
  readonly logger: Logger;
}

export interface LoaderOptions {
  /** Records per produce request. */
  readonly batchSize?: number;
  /** How long the outcomes and the projectors' lag may stand still before the load fails. */
  readonly stallMs?: number;
  /** The running writers' consumer groups, among all groups. */
  readonly writerGroups: (groupIds: readonly string[]) => readonly string[];
  /** The consumer groups whose lag must reach 0 (the projectors) before the load is done. */
  readonly caughtUpGroups: (groupIds: readonly string[]) => readonly string[];
  /** Told as each phase is done, and before waiting for the projectors. */
  readonly progress?: (event: { readonly phase: PhaseReport } | { readonly catchingUp: true }) => void;
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
  /** Of `seconds`: looking the commands up in the decision log, and handing them to Kafka. */
  readonly lookupSeconds: number;
  readonly publishSeconds: number;
}

export interface LoadReport {
  readonly phases: readonly PhaseReport[];
  readonly published: number;
  /** Seconds until the projectors had caught up, after the last outcome. */
  readonly catchUpSeconds: number;
  readonly seconds: number;
}

/**
 * The commands of a phase that no writer has decided yet, in the phase's order (Kafka keeps one
 * key's order only if it is sent in order). Looked up 50 ids a request: one read per command was
 * 115,000 reads of the decision log for the default network, on the engines the load is waiting for.
 */
async function undecided(commands: readonly DemoCommand[], decisions: BulkOutcomeReader): Promise<DemoCommand[]> {
  const decided = await decisions.findMany(commands.map((c) => c.commandId));
  return commands.filter((c) => !decided.has(c.commandId));
}

/**
 * Every outcome of the commands sent: heard on `commands.outcomes` as the writers decide them,
 * and, once the writers have consumed every command (their lag is 0), read from the decision
 * log for any not heard (the listener may have rejoined its group meanwhile and skipped some).
 * Fails when nothing moves for `stallMs`.
 */
function outcomesOf(
  sent: readonly DemoCommand[],
  deps: LoaderDeps,
  writerGroups: () => Promise<readonly string[]>,
  stallMs: number,
): { settle: () => Promise<RecordedOutcome[]> } {
  const heard = new Map<string, RecordedOutcome>();
  const waits = sent.map((c) => {
    const wait = deps.outcomes.expect(c.commandId);
    void wait.until(Date.now() + 24 * 3_600_000).then((outcome) => outcome && heard.set(c.commandId, outcome));
    return wait;
  });
  return { settle };

  async function settle(): Promise<RecordedOutcome[]> {
    let progressAt = performance.now();
    let lastSeen = -1;
    let lastLag = -1;
    while (heard.size < sent.length) {
      await sleep(250);
      const lag = await totalLag(deps.admin, await writerGroups());
      if (lag === 0) {
        const missing = sent.filter((c) => !heard.has(c.commandId)).map((c) => c.commandId);
        for (const [commandId, outcome] of await deps.decisions.findMany(missing)) heard.set(commandId, outcome);
      }
      if (heard.size !== lastSeen || lag !== lastLag) progressAt = performance.now();
      else if (performance.now() - progressAt > stallMs) {
        throw new Error(
          `${sent.length - heard.size} of ${sent.length} commands had no outcome after ${stallMs / 1000} s without progress: ` +
            'are the writers running? Run the demo again to send what is missing (decided commands are not sent twice).',
        );
      }
      lastSeen = heard.size;
      lastLag = lag;
    }
    for (const wait of waits) wait.cancel();
    return sent.map((c) => heard.get(c.commandId)!);
  }
}

async function runPhase(phase: Phase, deps: LoaderDeps, options: LoaderOptions): Promise<PhaseReport> {
  const started = performance.now();
  const toSend = await undecided(phase.commands, deps.decisions);
  const looked = performance.now();
  const writerGroups = async () => options.writerGroups((await deps.admin.listGroups()).groups.map((g) => g.groupId));
  const { settle } = outcomesOf(toSend, deps, writerGroups, options.stallMs ?? 120_000);
  const batchSize = options.batchSize ?? 5_000;
  for (let i = 0; i < toSend.length; i += batchSize) {
    await deps.producer.send(toSend.slice(i, i + batchSize).map((c) => c.record));
  }
  const published = performance.now();
  let applied = 0;
  const rejected: Record<string, number> = {};
  for (const outcome of await settle()) {
    if (outcome.status === 'APPLIED') applied++;
    else rejected[outcome.reason?.code ?? 'REJECTED'] = (rejected[outcome.reason?.code ?? 'REJECTED'] ?? 0) + 1;
  }
  return {
    name: phase.name,
    commands: phase.commands.length,
    alreadyDecided: phase.commands.length - toSend.length,
    published: toSend.length,
    applied,
    rejected,
    seconds: (performance.now() - started) / 1000,
    lookupSeconds: (looked - started) / 1000,
    publishSeconds: (published - looked) / 1000,
  };
}

/** Waits until the chosen groups have no lag (read models up to date); fails when it stands still. */
async function caughtUp(deps: LoaderDeps, options: LoaderOptions): Promise<number> {
  const started = performance.now();
  const stallMs = options.stallMs ?? 120_000;
  let progressAt = started;
  let lastLag = -1;
  for (;;) {
    const groups = options.caughtUpGroups((await deps.admin.listGroups()).groups.map((g) => g.groupId));
    const lag = await totalLag(deps.admin, groups);
    if (lag === 0) return (performance.now() - started) / 1000;
    if (lag !== lastLag) progressAt = performance.now();
    else if (performance.now() - progressAt > stallMs) {
      throw new Error(`the projectors still lag ${lag} events, unchanged for ${stallMs / 1000} s: are they running?`);
    }
    lastLag = lag;
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
    options.progress?.({ phase: report });
    reports.push(report);
  }
  options.progress?.({ catchingUp: true });
  const catchUpSeconds = await caughtUp(deps, options);
  return {
    phases: reports,
    published: reports.reduce((sum, r) => sum + r.published, 0),
    catchUpSeconds,
    seconds: (performance.now() - started) / 1000,
  } satisfies LoadReport;
}
