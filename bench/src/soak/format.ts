/** The soak's lines: one a minute, and the verdict. */
import {
  MIN_SETTLED_MINUTES,
  type MemoryTrend,
  type SoakMinute,
  type SoakTargets,
  type SoakVerdict,
} from './verdict.ts';

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / 1_048_576).toFixed(0));
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(0)} ms`);
const percent = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;

/** `minute   3: reads 600 p99 41 ms, …; gateway 160/52/90, …` and a line per kind of error. */
export function formatMinute(m: SoakMinute, acceptedSoFar: number): string {
  const memory = Object.entries(m.processes)
    .map(
      ([name, p]) =>
        `${name} ${mb(p.rssBytes)}/${mb(p.heapBytes)}` +
        (p.heapTotalBytes === undefined ? '' : `/${mb(p.heapTotalBytes)}`),
    )
    .join(', ');
  const errors = Object.values(m.errors).reduce((s, n) => s + n, 0);
  return [
    `minute ${String(m.minute).padStart(3)}: reads ${m.reads} p99 ${ms(m.readP99Ms)}, ` +
      `mutations ${m.writes} p99 ${ms(m.writeP99Ms)} (ACCEPTED so far ${acceptedSoFar}), ` +
      `live updates ${m.liveUpdates}, errors ${errors}, retries ${Object.values(m.retries).reduce((s, n) => s + n, 0)}, lag ${m.lag}, services' CPU ${m.cpuPercent.toFixed(0)}% ` +
      `of a core; RSS/heap used/heap reserved MB ${memory}`,
    ...Object.entries(m.errors).map(([kind, n]) => `    error ${n} × ${kind}`),
    ...Object.entries(m.retries).map(([kind, n]) => `    retried ${n} × ${kind}`),
  ].join('\n');
}

/**
 * Where the memory is, first → last minute after warm-up: each V8 space's reservation that is not
 * empty (`new` is the young generation's two semi-spaces, which V8 grows on demand), and what RSS
 * holds beyond the reserved heap and external memory (code, stacks, the allocator's own pages), and
 * how much of RSS maps files (the binary's pages) rather than anonymous memory.
 */
function whereMemoryIs(t: MemoryTrend): string {
  const first = t.firstHeapSpaceBytes ?? {};
  const last = t.lastHeapSpaceBytes ?? {};
  const spaces = [...new Set([...Object.keys(first), ...Object.keys(last)])]
    .filter((space) => (first[space] ?? 0) > 0 || (last[space] ?? 0) > 0)
    .map((space) => `${space} ${mb(first[space])} → ${mb(last[space])}`);
  const beyond = (rss: number, total: number | undefined, external: number | undefined) =>
    total === undefined || external === undefined ? undefined : rss - total - external;
  const rest = [
    beyond(t.firstRssBytes, t.firstHeapTotalBytes, t.firstExternalBytes),
    beyond(t.lastRssBytes, t.lastHeapTotalBytes, t.lastExternalBytes),
  ];
  if (spaces.length === 0 && rest[0] === undefined) return '';
  return (
    `\n${' '.repeat(15)}reserved MB by space: ${spaces.join(', ')}` +
    (rest[0] === undefined ? '' : `; RSS beyond heap and external ${mb(rest[0])} → ${mb(rest[1])} MB`) +
    (t.firstRssFileBytes === undefined
      ? ''
      : ` (of RSS, file-backed ${mb(t.firstRssFileBytes)} → ${mb(t.lastRssFileBytes)} MB)`)
  );
}

/** What a process's line after warm-up says: growth fails, a fall is memory given back. */
function trendWord(t: MemoryTrend, tolerance: number): string {
  if (t.gone) return 'GONE (no RSS in some minute: the process died)';
  if (Number.isNaN(t.rssGrowth)) return '';
  if (t.rssGrowth > tolerance) return 'GROWING';
  return t.rssGrowth < -tolerance ? 'fell (memory given back, not a leak)' : 'flat';
}

export function formatVerdict(v: SoakVerdict, targets: SoakTargets, drainSeconds: number): string {
  const trends = Object.entries(v.memory.byProcess)
    .map(
      ([name, t]) =>
        `  ${name.padEnd(12)} RSS ${mb(t.firstRssBytes)} → ${mb(t.lastRssBytes)} MB, heap ` +
        `${mb(t.firstHeapBytes)} → ${mb(t.lastHeapBytes)} MB` +
        (t.firstHeapTotalBytes === undefined
          ? ''
          : `, heap reserved ${mb(t.firstHeapTotalBytes)} → ${mb(t.lastHeapTotalBytes)} MB, ` +
            `external ${mb(t.firstExternalBytes)} → ${mb(t.lastExternalBytes)} MB`) +
        (v.memory.judged
          ? `, slope ${(t.rssSlopePerMinute / 1_048_576).toFixed(2)} MB/min (${percent(t.rssGrowth)} after warm-up)`
          : '') +
        (trendWord(t, targets.rssTolerance) ? `: ${trendWord(t, targets.rssTolerance)}` : '') +
        whereMemoryIs(t),
    )
    .join('\n');
  const warmup = v.memory.warmupMinutes;
  const memory = v.memory.judged
    ? `${v.memory.flat ? 'no growth' : 'GROWTH or a process lost'} after a ${warmup}-minute warm-up ` +
      `(the larger of ${targets.warmupMinutes} min and ${(targets.warmupShare * 100).toFixed(0)}% of the run: ` +
      `JIT, pools and bounded caches fill in it). Judged on the least-squares RSS line after it: ` +
      `a rise past +${targets.rssTolerance * 100}% of its mean fails (a leak only grows); a fall is memory ` +
      'given back, printed, not failed on; a process with no RSS in some minute fails'
    : `not judged: fewer than ${MIN_SETTLED_MINUTES} minutes after the ${warmup}-minute warm-up` +
      (v.memory.alive ? '' : '; a process was LOST (no RSS in some minute)');
  const d = v.decisions;
  const notApplied = Object.entries(d.notApplied).map(([reason, n]) => `${n} ${reason}`);
  const errors = Object.entries(v.errors).map(([kind, n]) => `${n} × ${kind}`);
  const retries = Object.entries(v.retries).map(([kind, n]) => `${n} × ${kind}`);
  return [
    `soak: memory ${memory}`,
    trends,
    `soak: errors ${v.errorCount}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`,
    `soak: retried after a retryable error ${retries.length > 0 ? retries.join('; ') : 'never'}`,
    `soak: consumer lag at most ${v.maxLag} a minute (${v.lagBounded ? 'within' : 'PAST'} ${targets.maxLag}); ` +
      `${v.lagDrained ? 'drained' : 'NOT drained'} ${drainSeconds.toFixed(0)} s after the load stopped`,
    `soak: commands ${d.commands}, each decided exactly once: ${d.ok ? 'yes' : 'NO'} ` +
      `(not in Kafka ${d.notInKafka}, undecided ${d.undecided}, decided twice ${d.decidedTwice}` +
      `${d.republished > 0 ? `; ${d.republished} of one decision published again, identical: a retried batch or a redelivery answered from the decision log` : ''}` +
      `${d.reread > 0 ? `; ${d.reread} records read again by the watch after it rejoined, counted once` : ''}` +
      `${notApplied.length > 0 ? `, not applied: ${notApplied.join(', ')}` : ''}` +
      `${d.watchFailed ? `; the topics could not be read: ${d.watchFailed}` : ''})`,
    `soak: unhandled in the soak's process: ${v.unhandled.length === 0 ? 'none' : v.unhandled.join('; ')}`,
  ].join('\n');
}
