/** The closing table of `npm run bench -- write`: each figure run, its baseline, the ratio and the target. */
import { countOf, isError } from './openLoop.ts';
import { ms, ratio, verdict } from './stats.ts';
import type { WriteBenchOptions, WriteFigures } from './write.ts';

const int = (n: number) => Math.round(n).toLocaleString('en');

export function printWriteSummary(f: WriteFigures, o: WriteBenchOptions, fanoutBest: number | undefined): void {
  const rows: [string, string, string, string, string][] = [];
  if (f.throughput) {
    const t = f.throughput;
    rows.push([
      '1. mixed commands/s, read models incl.',
      int(t.ours.perSecond),
      `${int(t.raw.perSecond)} (Kafka alone)`,
      ratio(t.ours.perSecond, t.raw.perSecond),
      `≥ 2,000: ${verdict(t.ours.perSecond >= 2000)}`,
    ]);
  }
  if (f.mutations) {
    const m = f.mutations.mutation;
    const errors = countOf(m.kinds, isError);
    rows.push([
      `2. p99 mix→APPLIED @${o.rate}/s`,
      `${ms(m.latency.p99)}, ${int(errors)} err`,
      `${ms(f.mutations.baseline.latency.p99)} ({ __typename })`,
      ratio(m.latency.p99, f.mutations.baseline.latency.p99),
      `≤ 50 ms, 0 err: ${verdict(m.latency.p99 <= 50 && errors === 0)}`,
    ]);
  }
  if (f.spike) {
    const s = f.spike.spike;
    const errors = countOf(s.kinds, isError);
    rows.push([
      `3. spike @${o.rate * 2}/s × ${o.spikeSeconds} s: errors`,
      `${int(errors)} (${int(s.kinds.ACCEPTED ?? 0)} ACCEPTED)`,
      `${int(countOf(f.spike.baseline.kinds, isError))} ({ __typename })`,
      '-',
      `0: ${verdict(errors === 0)}`,
    ]);
    rows.push([
      '3. spike: read models caught up after',
      `${f.spike.catchUpSeconds.toFixed(1)} s`,
      `${ms(s.latency.p99)} (p99 of the spike)`,
      '-',
      `≤ 30 s: ${verdict(f.spike.lagLeft === 0 && f.spike.catchUpSeconds <= 30)}`,
    ]);
  }
  if (f.feed) {
    rows.push([
      '4. p99 createPost→in feed',
      ms(f.feed.visible.p99),
      `${ms(f.feed.applied.p99)} (to APPLIED)`,
      ratio(f.feed.visible.p99, f.feed.applied.p99),
      '-',
    ]);
  }
  if (f.fanout && fanoutBest !== undefined) {
    const baseline = Math.min(...f.fanout.baseline);
    rows.push([
      `5. fan-out to ${int(o.followers)}`,
      ms(fanoutBest),
      `${ms(baseline)} (INSERTs)`,
      ratio(fanoutBest, baseline),
      `≤ 1,000 ms: ${verdict(fanoutBest <= 1000)}`,
    ]);
  }
  console.log('\nsummary (targets are printed, not asserted)');
  const widths = [40, 22, 30, 8, 18];
  const line = (cells: readonly string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i]!)).join(' '));
  line(['figure', 'ours', 'baseline (same run)', 'ratio', 'target']);
  for (const row of rows) line(row);
}
