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

/** Per closed window, from its end on the wall clock, ms. */
export interface Latency {
  /** Its result committed on insights.trending_tags (the job). */
  readonly results: number[];
  /** A plain consumer of the input seeing the first event past the end (Kafka alone). */
  readonly records: number[];
  /** Its result in trendingTags through the gateway (job, projector, subgraph, gateway). */
  readonly graphql: number[];
  /** Error codes of the gateway's answers while it was asked, and answers that took over 1 s (ms). */
  readonly errors: Record<string, number>;
  readonly slowAnswers: number[];
}

interface Settings {
  readonly events: number;
  readonly checkpointMs: number;
  readonly outOfOrdernessMs?: number;
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
  const records = summarize(latency.records);
  const results = summarize(latency.results);
  const graphql = summarize(latency.graphql);
  console.log(`window end → result, real time, traffic on every partition (${latency.results.length} sliding hours):`);
  console.log(
    `  first event past the end seen by a plain consumer (baseline) p50 ${ms(records.p50)} p99 ${ms(records.p99)}`,
  );
  console.log(
    `  result committed on insights.trending_tags (job)           p50 ${ms(results.p50)} p99 ${ms(results.p99)}   p99 ${ratio(results.p99, records.p99)}`,
  );
  console.log(
    `  result in trendingTags through the gateway (GraphQL)       p50 ${ms(graphql.p50)} p99 ${ms(graphql.p99)}   read side adds p50 ${ms(graphql.p50 - results.p50)}`,
  );
  console.log(
    `  out-of-orderness ${options.outOfOrdernessMs ?? '?'} ms, checkpoints every ${options.checkpointMs} ms (results commit with the first after their window fires)`,
  );
  const slow = latency.graphql.filter((v) => v > 2_000).length;
  console.log(
    `  through GraphQL over 2 s: ${slow} of ${latency.graphql.length}; slowest ${ms(Math.max(...latency.graphql))}`,
  );
  console.log(
    `  gateway answers with errors ${JSON.stringify(latency.errors)}; over 1 s: ${latency.slowAnswers.map(ms).join(', ') || 'none'}`,
  );
  console.log(`  target ≤ 2 s p99 through GraphQL: ${verdict(graphql.p99 <= 2_000)}`);
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
