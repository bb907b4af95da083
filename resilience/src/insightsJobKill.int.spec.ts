/**
 * Exactly once, on the real engines: the insights job (insights/, Flink on its MiniCluster, as
 * the stack runs it) is killed with `kill -9` in the middle of a stream of posts and users
 * events, and started again as `stack up insights-job` does (from its newest checkpoint). Every
 * result then read back, read committed, equals what the same events give counted by hand
 * (insightsStream.ts), with no window published twice and none missing.
 *
 * On a private stack (Kafka and the job only, own ports and folder), so the shared job and its
 * topics are untouched. Checkpoints every second and 1 s of out-of-orderness keep it short.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKafka } from '@verograph/messaging';

import { createCleanups } from './cleanups.ts';
import { readInsights, type InsightsReader } from './insightsResults.ts';
import { insightsStream, type StreamRecord } from './insightsStream.ts';
import { freePorts } from './ports.ts';
import { createPrivateStack, type PrivateStack } from './privateStack.ts';

const PARTITIONS = 12; // migrations/kafka/0001_domain_topics.json
const STEPS = 360; // 20 s of event time each: two hours
const KILL_AT = 180;
const CHECKPOINT_MS = 1_000;
const stream = insightsStream(STEPS, [99, 279]);

const cleanups = createCleanups();
let stack: PrivateStack;
let jobEnv: Record<string, string>;
let producer: ReturnType<ReturnType<typeof createKafka>['producer']>;
const next: Record<string, number> = {};

/** Round robin over the partitions, so every partition's watermark moves with the stream. */
async function publish(records: readonly StreamRecord[]): Promise<void> {
  const messages = records.map((r) => {
    const partition = (next[r.topic] = ((next[r.topic] ?? -1) + 1) % PARTITIONS);
    return { topic: r.topic, partition, key: r.key, value: Buffer.from(r.value) };
  });
  for (const topic of ['posts.events', 'users.events']) {
    const batch = messages.filter((m) => m.topic === topic);
    if (batch.length) await producer.send({ topic, messages: batch });
  }
}

const jobPid = (): number =>
  (JSON.parse(readFileSync(join(stack.dir, 'run', 'insights-job.json'), 'utf8')) as { pid: number }).pid;

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  stack = await createPrivateStack(['kafka']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka');
  const [restPort] = await freePorts(1);
  jobEnv = {
    INSIGHTS_REST_PORT: String(restPort),
    INSIGHTS_CHECKPOINT_INTERVAL_MS: String(CHECKPOINT_MS),
    INSIGHTS_MAX_OUT_OF_ORDERNESS_MS: '1000',
  };
  await stack.cli(['up', 'insights-job'], jobEnv);
  cleanups.add('stopping the job', () => stack.cli(['down', 'insights-job'], jobEnv));
  producer = createKafka('insights-kill', [stack.addresses.KAFKA_BROKERS!]).producer();
  await producer.connect();
  cleanups.add('the producer', () => producer.disconnect());
  console.log(`resilience/insights: private Kafka and job up in ${(Date.now() - t0) / 1000} s`);
}, 600_000);

afterAll(() => cleanups.runAll(), 180_000);

describe('the insights job killed with kill -9 mid-stream', () => {
  it('publishes every window once, as without the kill', async () => {
    const t0 = Date.now();
    const reader: InsightsReader = await readInsights([stack.addresses.KAFKA_BROKERS!]);
    cleanups.add('the reader', () => reader.stop());

    // First half, slice by slice, until results have been committed: the job is mid-stream.
    for (let i = 0; i < KILL_AT; i += 30) await publish(stream.steps.slice(i, i + 30).flat());
    await until('results before the kill', () => reader.records.engagement > 20, 120_000);
    const before = { ...reader.records };
    process.kill(-jobPid(), 'SIGKILL');
    const t1 = Date.now();

    // The rest arrives while the job is down; then it starts again from its newest checkpoint.
    for (let i = KILL_AT; i < STEPS; i += 30) await publish(stream.steps.slice(i, i + 30).flat());
    await stack.cli(['up', 'insights-job'], jobEnv);
    const t2 = Date.now();
    await publish(stream.flush(PARTITIONS));

    const { expected } = stream;
    const complete = () =>
      reader.results.trending.size >= expected.trending.size &&
      reader.results.engagement.size >= expected.engagement.size &&
      reader.results.followers.size >= expected.followers.size &&
      reader.results.throttles.size >= expected.throttles.size;
    await until('every result', complete, 240_000);
    // Anything published twice would come within a few checkpoints of the last result.
    await sleep(5 * CHECKPOINT_MS);
    console.log(
      `resilience/insights: killed after ${JSON.stringify(before)} records; restart took ${(t2 - t1) / 1000} s; ` +
        `read back ${JSON.stringify(reader.records)} in ${(Date.now() - t0) / 1000} s`,
    );

    expect(reader.duplicates).toEqual([]);
    expect(Object.fromEntries(reader.results.trending)).toEqual(Object.fromEntries(expected.trending));
    expect(Object.fromEntries(reader.results.engagement)).toEqual(Object.fromEntries(expected.engagement));
    expect(Object.fromEntries(reader.results.followers)).toEqual(Object.fromEntries(expected.followers));
    expect(Object.fromEntries(reader.results.throttles)).toEqual(Object.fromEntries(expected.throttles));
    // The stream does reach each insight (a vacuous comparison would prove nothing).
    expect(expected.trending.size).toBeGreaterThan(100);
    expect([...expected.trending.keys()].some((k) => k.includes('ie-narrow'))).toBe(false);
    expect(expected.throttles.size).toBe(2);
  }, 600_000);
});
