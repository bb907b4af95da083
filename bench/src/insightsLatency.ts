import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { TrendingTagResultSchema, TrendingWindow } from '@verograph/contracts/insights/v1/insights';
import type { InsightsWorld } from '@verograph/insights-subgraph/testing';
import type { Kafka } from 'kafkajs';

import { markerRecords, tickRecords, tickTime } from './insightsEvents.ts';
import type { Latency } from './insightsSummary.ts';
import { sleep } from './stats.ts';
import { tailTopic } from './topicTail.ts';

export interface LatencyRun {
  readonly run: string;
  readonly posts: string;
  readonly users: string;
  readonly trendingTopic: string;
  /** Start of the simulated hour: sample k closes the sliding hour ending start + 1 h + k min. */
  readonly start: number;
  readonly samples: number;
  readonly partitions: number;
  readonly checkpointMs: number;
  /** A viewer the gateway lets see trending tags. */
  readonly viewer: string;
  /** What the job says of itself (its operators' watermarks), for the error when a window never shows. */
  readonly diagnose: () => Promise<string>;
}

/** How often the traffic publishes one event per partition of each events topic. */
const TICK_MS = 50;
/**
 * How often the gateway is asked. The gateway, subgraph and projector share this process: asked
 * every 20 ms they competed with the projector they measure (GraphQL p99 5 s beside the job's
 * 1.8 s at load 17); 50 ms costs 25 ms on average.
 */
const POLL_MS = 50;
const TRENDING = 'query($first: Int) { trendingTags(window: HOUR, first: $first) { tag } }';

/**
 * Window end → result, in real time. Each sample plays the stream on a clock of its own that runs
 * at the wall clock's pace, set so that a sliding hour ends 1 s to 1 s + one checkpoint interval
 * from now (a random phase against the checkpoints): traffic goes on every partition every 50 ms
 * with that clock's time, as a busy network's would, before and after the window's end, so the
 * watermark passes the end only as the out-of-orderness allows. Each window holds a tag of its own
 * (5 authors, just before its end) that no earlier window has, so the gateway's answer shows when
 * that window is visible. Measured from the window's end (on the wall clock) to: a plain consumer
 * seeing the first event past the end (Kafka alone, the baseline), the job's result committed on
 * the topic, and the tag in `trendingTags` through the gateway. Between samples the clock jumps to
 * just before the next minute: quiet time a real network would have spent waiting.
 */
export async function windowLatency(kafka: Kafka, world: InsightsWorld, r: LatencyRun): Promise<Latency> {
  const committed = new Map<number, number>();
  let window = Number.POSITIVE_INFINITY;
  let inputSeen = 0;
  const results = await tailTopic(kafka, r.trendingTopic, `${r.trendingTopic}.tail-${r.run}`, (ms) => {
    for (const m of ms) {
      const result = fromBinary(TrendingTagResultSchema, m.value!);
      const end = result.windowEnd ? timestampMs(result.windowEnd) : 0;
      if (result.window === TrendingWindow.HOUR && !committed.has(end)) committed.set(end, Date.now());
    }
  });
  const inputs = await tailTopic(kafka, r.posts, `${r.posts}.tail-${r.run}`, (ms) => {
    for (const m of ms) {
      const at = tickTime(m.key?.toString() ?? '');
      if (at !== undefined && at >= window && inputSeen === 0) inputSeen = Date.now();
    }
  });
  const producer = kafka.producer();
  await producer.connect();
  const send = (records: ReturnType<typeof tickRecords>) =>
    producer.sendBatch({
      topicMessages: (['posts', 'users'] as const).map((stream) => ({
        topic: stream === 'posts' ? r.posts : r.users,
        messages: records
          .filter((record) => record.stream === stream)
          .map(({ key, value, partition }) => ({ key, value, partition })),
      })),
    });
  const latency: Latency = { results: [], records: [], graphql: [], errors: {}, slowAnswers: [] };
  try {
    for (let k = 1; k <= r.samples; k++) {
      const end = r.start + 3_600_000 + k * 60_000;
      const lead = Math.round(1_000 + Math.random() * r.checkpointMs);
      const offset = Date.now() + lead - end; // the sample's clock = wall clock - offset
      const endsAt = end + offset; // the window's end on the wall clock
      const tag = `${r.run}_s${k}`;
      window = end;
      inputSeen = 0;
      await send(markerRecords(r.run, k, tag, end - lead, r.partitions));

      let gatewaySeen = 0;
      let sequence = 0;
      const deadline = endsAt + 60_000 + r.checkpointMs;
      const traffic = (async () => {
        while ((gatewaySeen === 0 || !committed.has(end)) && Date.now() < deadline) {
          await send(tickRecords(r.run, k, sequence++, Date.now() - offset, r.partitions));
          await sleep(TICK_MS);
        }
      })();
      while (gatewaySeen === 0 && Date.now() < deadline) {
        const asked = Date.now();
        const answer = await world.ask(r.viewer, TRENDING, { first: 100 });
        const took = Date.now() - asked;
        if (took > 1_000) latency.slowAnswers.push(took);
        for (const e of (answer.body.errors as Array<{ extensions?: { code?: string } }> | undefined) ?? []) {
          const code = e.extensions?.code ?? `HTTP ${answer.status}`;
          latency.errors[code] = (latency.errors[code] ?? 0) + 1;
        }
        const tags = (answer.body.data as { trendingTags?: Array<{ tag: string }> } | null)?.trendingTags ?? [];
        if (tags.some((t) => t.tag === tag)) gatewaySeen = Date.now();
        else await sleep(POLL_MS);
      }
      await traffic;
      const seen = committed.get(end);
      if (seen === undefined || gatewaySeen === 0) {
        const newest = Math.max(0, ...committed.keys());
        throw new Error(
          `the window ending ${new Date(end).toISOString()} was not visible within 60 s: ` +
            `committed ${seen !== undefined} (newest window committed ${new Date(newest).toISOString()}), ` +
            `through the gateway ${gatewaySeen !== 0}, input past the end seen ${inputSeen !== 0}; ` +
            `the job: ${await r.diagnose()}`,
        );
      }
      if (gatewaySeen < endsAt) throw new Error(`sample ${k}: the gateway showed the window before it ended`);
      latency.results.push(seen - endsAt);
      latency.graphql.push(gatewaySeen - endsAt);
      latency.records.push((inputSeen || seen) - endsAt);
    }
  } finally {
    await producer.disconnect();
    await results.stop();
    await inputs.stop();
  }
  return latency;
}
