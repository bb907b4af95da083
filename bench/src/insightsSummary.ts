import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { CheckpointStats } from './insightsJob.ts';
import { ms, ratio, summarize, verdict } from './stats.ts';

/** A run of reading the same records: first record read → last. */
export interface Reading {
  readonly first: number;
  readonly last: number;
  readonly perSecond: number;
}

/** Per closed window: its result (the job) and the closing records themselves (Kafka alone), ms. */
export interface Latency {
  readonly results: number[];
  readonly records: number[];
}

interface Settings {
  readonly events: number;
  readonly checkpointMs: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const perSecond = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;

export function printRates(options: Settings, job: Reading, bare: Reading): void {
  const events = options.events.toLocaleString('en');
  console.log(`events/s over ${events} events (one hour of event time), first record read → last:`);
  console.log(
    `  job ${perSecond(job.perSecond)}   bare kafkajs consumer ${perSecond(bare.perSecond)}   ${ratio(job.perSecond, bare.perSecond)}`,
  );
  console.log(`  target ≥ 20,000/s: ${verdict(job.perSecond >= 20_000)}`);
}

export function printCheckpoints(idle: CheckpointStats, hour: CheckpointStats, dir: string, options: Settings): void {
  const before = idle.latest!;
  const after = hour.latest!;
  console.log(`checkpoint duration and state size:`);
  console.log(
    `  after the hour: ${ms(after.durationMs)}, state ${mib(after.stateSize)} (checkpointed ${mib(after.checkpointedSize)})`,
  );
  console.log(
    `  empty state (baseline, same job): ${ms(before.durationMs)}, state ${mib(before.stateSize)}   duration ${ratio(after.durationMs, before.durationMs)}`,
  );
  console.log(`  checkpoint folder ${mib(folderBytes(dir))} (every ${options.checkpointMs} ms, 3 retained)`);
}

export function printLatency(options: Settings, latency: Latency): void {
  const results = summarize(latency.results);
  const records = summarize(latency.records);
  console.log(`window end → its result on insights.trending_tags, read committed (${latency.results.length} windows):`);
  console.log(
    `  job p50 ${ms(results.p50)} p99 ${ms(results.p99)}   closing records seen p50 ${ms(records.p50)} p99 ${ms(records.p99)}   p99 ${ratio(results.p99, records.p99)}`,
  );
  console.log(`  results commit with the first checkpoint after their window fires (every ${options.checkpointMs} ms)`);
  console.log(
    `  target ≤ 2 s p99 (through GraphQL, which adds the projector and the gateway: not measured here): ${verdict(results.p99 <= 2_000)}`,
  );
}

export function printRun(stats: CheckpointStats, dir: string): void {
  const d = stats.durations;
  console.log(
    `every checkpoint of the run (${stats.completed} completed, ${stats.failed} failed): avg ${ms(d.avg)} max ${ms(d.max)}; folder ${mib(folderBytes(dir))}`,
  );
}

function folderBytes(path: string): number {
  return readdirSync(path, { withFileTypes: true }).reduce((sum, entry) => {
    const full = join(path, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(full) : statSync(full).size);
  }, 0);
}
