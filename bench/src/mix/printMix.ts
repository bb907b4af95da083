/** How items 1 to 3 of `npm run bench -- write` print: each figure beside its baseline, ratio beside both. */
import { cpus } from 'node:os';

import { countOf, isError, type OpenLoopFigures } from '../openLoop.ts';
import { ms, ratio, verdict } from '../stats.ts';
import { formatMix, type MixWeights } from './mixSpec.ts';
import type { MutationMixFigures, SpikeFigures } from './mutationMix.ts';
import type { MixThroughputFigures } from './sustainedMix.ts';

const int = (n: number) => Math.round(n).toLocaleString('en');

function list(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${int(n)}`).join(', ');
}

/** A table of CPU ms per unit by process, for one or two columns; processes under 0.005 ms in all left out. */
function printCpu(columns: readonly [string, Record<string, number>][], unit: string): void {
  const names = [...new Set(columns.flatMap(([, c]) => Object.keys(c)))];
  console.log(`  ${'process'.padEnd(22)}${columns.map(([h]) => h.padStart(14)).join('')}`);
  for (const name of names) {
    if (columns.every(([, c]) => (c[name] ?? 0) < 0.005)) continue;
    console.log(`  ${name.padEnd(22)}${columns.map(([, c]) => (c[name] ?? 0).toFixed(3).padStart(14)).join('')}`);
  }
  const totals = columns.map(([, c]) => Object.values(c).reduce((a, b) => a + b, 0));
  console.log(`  ${`all (ms per ${unit})`.padEnd(22)}${totals.map((t) => t.toFixed(3).padStart(14)).join('')}`);
  // Everything shares the machine's cores, so total CPU per command bounds the rate.
  console.log(
    `  bound by CPU alone: ${cpus().length} cores / ${totals[0]!.toFixed(3)} ms = at most ` +
      `${int((cpus().length * 1000) / totals[0]!)} ${unit}s/s for ${columns[0]![0]}`,
  );
}

export function printMixThroughput(
  f: MixThroughputFigures,
  o: { weights: MixWeights; window: number; seconds: number; warmupSeconds: number },
  load: string,
): void {
  console.log(
    `\n1. commands/s sustained, a realistic mix (${formatMix(o.weights)}) published as commands on ` +
      `posts/users/collections.commands → writers → Cassandra → events → projectors; a command counts once its ` +
      `outcome is published AND every read model has it (the writers' and every projector's lag back to 0); ` +
      `${int(o.window)} awaiting outcomes at most, ${o.seconds} s of sending after a ${o.warmupSeconds} s warm-up (${load} at start)`,
  );
  const r = f.ours;
  console.log(
    `  ours: answered and in every read model   ${int(r.perSecond).padStart(7)} commands/s   (${int(r.commands)} ` +
      `published in ${o.seconds} s, all answered after ${r.outcomesSeconds.toFixed(1)} s ` +
      `(${int(r.commands / r.outcomesSeconds)}/s), every read model caught up after ${r.seconds.toFixed(1)} s; ` +
      `${int(r.applied)} APPLIED, rejected: ${list(r.rejections)}; from ${int(r.distinctActors)} distinct users)`,
  );
  console.log(`    by kind: ${list(r.byKind)}`);
  if (r.lagLeft > 0) {
    console.log(
      `    NOT caught up: ${int(r.lagLeft)} records still behind after 10 min; the rate above is an upper bound`,
    );
  }
  console.log(
    `  baseline: Kafka alone, same records      ${int(f.raw.perSecond).padStart(7)} records/s    ` +
      `(produce, acks=all, idempotent → no-op consumer, topic partitioned like posts.commands)`,
  );
  console.log(
    `  ratio ours/raw: ${ratio(r.perSecond, f.raw.perSecond)}   (target ≥ 2,000 commands/s: ${verdict(r.perSecond >= 2000)})`,
  );
  console.log(
    `  CPU ms per command by process, net of idle use (ms of CPU per second at idle: ${Object.entries(f.idlePerSecond)
      .filter(([, v]) => v >= 1)
      .map(([n, v]) => `${n} ${v.toFixed(0)}`)
      .join(', ')}):`,
  );
  printCpu(
    [
      ['ours', f.cpuPerCommand.ours],
      ['Kafka alone', f.cpuPerCommand.raw],
    ],
    'command',
  );
}

function openLoopRow(name: string, x: OpenLoopFigures): void {
  console.log(
    `  ${name.padEnd(30)} achieved ${x.achievedPerSecond.toFixed(1)}/s   p50 ${ms(x.latency.p50)}   ` +
      `p99 ${ms(x.latency.p99)}   max ${ms(x.latency.max)}   (${list(x.kinds)})`,
  );
}

/** Errors by kind: everything that is not a payload (APPLIED, ACCEPTED, REJECTED) nor the baseline's OK. */
function errorsOf(x: OpenLoopFigures): Record<string, number> {
  return Object.fromEntries(Object.entries(x.kinds).filter(([kind]) => isError(kind)));
}

export function printMutationMix(
  f: MutationMixFigures,
  o: { weights: MixWeights; rate: number; seconds: number; warmupSeconds: number },
  load: string,
): void {
  const wait = process.env.MUTATION_WAIT_MS ?? 'default';
  console.log(
    `\n2. mutation → APPLIED through the gateway: the mix (${formatMix(o.weights)}) as GraphQL mutations, each by ` +
      `its own user with their own token (${int(f.distinctActors)} distinct users), open loop at ${o.rate}/s for ` +
      `${o.seconds} s after a ${o.warmupSeconds} s warm-up; latency from each request's scheduled time ` +
      `(MUTATION_WAIT_MS=${wait}; ${load} at start)`,
  );
  openLoopRow('ours: the mix', f.mutation);
  openLoopRow('baseline: { __typename }', f.baseline);
  const m = f.mutation;
  const errors = countOf(m.kinds, isError);
  console.log(
    `  ratio ours/baseline: p50 ${ratio(m.latency.p50, f.baseline.latency.p50)}, p99 ${ratio(m.latency.p99, f.baseline.latency.p99)}   ` +
      `(APPLIED ${int(m.kinds.APPLIED ?? 0)}, ACCEPTED ${int(m.kinds.ACCEPTED ?? 0)}, ` +
      `OVERLOADED ${int(countOf(m.kinds, (k) => k.startsWith('error OVERLOADED')))}; ` +
      `target p99 ≤ 50 ms with zero errors: ${verdict(m.latency.p99 <= 50 && errors === 0)})`,
  );
  console.log(`  errors by kind: ${list(errorsOf(m))}; the baseline's: ${list(errorsOf(f.baseline))}`);
  if (m.maxSendLagMs > 50) {
    console.log(`  (the load generator sent up to ${ms(m.maxSendLagMs)} late: counted in the latency)`);
  }
  console.log('  CPU ms per mutation by process (gross, idle use included):');
  printCpu([['the mix', f.cpuPerMutation]], 'mutation');
}

export function printSpike(f: SpikeFigures, o: { rate: number; seconds: number }, load: string): void {
  console.log(
    `\n3. spike: the mix at ${o.rate}/s (twice the sustained rate) for ${o.seconds} s, open loop, then quiet (${load} at start)`,
  );
  openLoopRow('ours: the mix', f.spike);
  openLoopRow('baseline: { __typename }', f.baseline);
  const s = f.spike;
  const errors = countOf(s.kinds, isError);
  console.log(
    `  ratio ours/baseline: p50 ${ratio(s.latency.p50, f.baseline.latency.p50)}, p99 ${ratio(s.latency.p99, f.baseline.latency.p99)}`,
  );
  console.log(
    `  errors ${int(errors)} (OVERLOADED counts: ${list(errorsOf(s))}); answered ACCEPTED rather than APPLIED: ` +
      `${int(s.kinds.ACCEPTED ?? 0)}; APPLIED ${int(s.kinds.APPLIED ?? 0)}; REJECTED ${int(countOf(s.kinds, (k) => k.startsWith('REJECTED')))}`,
  );
  console.log(
    `  every read model caught up ${f.catchUpSeconds.toFixed(1)} s after the last mutation was sent ` +
      `(last answer after ${f.answersSeconds.toFixed(1)} s, ${int(f.lagAtLastAnswer)} records behind then` +
      `${f.lagLeft > 0 ? `; GAVE UP with ${int(f.lagLeft)} left` : ''})`,
  );
  console.log(
    `  targets: zero errors: ${verdict(errors === 0)}; caught up within 30 s: ${verdict(f.lagLeft === 0 && f.catchUpSeconds <= 30)}`,
  );
}
