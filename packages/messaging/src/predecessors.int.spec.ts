import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_SESSION_TIMEOUT_MS, runConsumer, type RunningConsumer } from './consumer.ts';
import { createKafka } from './producer.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = randomUUID().slice(0, 8);
const memberScript = fileURLToPath(new URL('./testing/groupMember.ts', import.meta.url));

let admin: Admin;
const topic = `test.predecessors.${run}`;
const children: ChildProcess[] = [];
const consumers: RunningConsumer[] = [];

/** A group member in a process of its own, as instance `instance`; resolves once it is in its group. */
async function memberProcess(groupId: string, instance: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', memberScript, topic, groupId], {
    env: { ...process.env, INSTANCE_ID: instance },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the member exited with ${code} before joining`)));
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
  });
  return child;
}

/** Joins `groupId` in this process as instance `instance`; resolves with the time it took to be given partitions. */
async function joinAs(groupId: string, instance: string | undefined): Promise<number> {
  const saved = process.env.INSTANCE_ID;
  if (instance) process.env.INSTANCE_ID = instance;
  else delete process.env.INSTANCE_ID;
  let kafka: Kafka;
  try {
    kafka = createKafka('group-member', brokers);
  } finally {
    if (saved === undefined) delete process.env.INSTANCE_ID;
    else process.env.INSTANCE_ID = saved;
  }
  const started = Date.now();
  const consumer = await runConsumer({
    kafka,
    groupId,
    topics: [topic],
    handle: async () => ({ kind: 'done' }),
    logger: pino({ level: 'warn' }),
    metrics: new Registry(),
    lagRefreshMs: 0,
  });
  consumers.push(consumer);
  while (!consumer.isReady()) await new Promise((r) => setTimeout(r, 20));
  return Date.now() - started;
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

beforeAll(async () => {
  admin = createKafka('predecessors-spec', brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(consumers.map((c) => c.stop()));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('a restarted instance and its dead self', () => {
  it('takes its place in the group at once instead of waiting for its session to time out', async () => {
    const groupId = `test-predecessors-${run}-same`;
    await killed(await memberProcess(groupId, `writers-${run}`));
    const readyMs = await joinAs(groupId, `writers-${run}`);
    console.log(`predecessors: the same instance was in its group again ${readyMs} ms after its restart`);
    expect(readyMs).toBeLessThan(DEFAULT_SESSION_TIMEOUT_MS / 2);
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group!.members).toHaveLength(1);
  });

  it('leaves another instance’s dead member to its session timeout, as Kafka does', async () => {
    const groupId = `test-predecessors-${run}-other`;
    await killed(await memberProcess(groupId, `writers-a-${run}`));
    const readyMs = await joinAs(groupId, `writers-b-${run}`);
    console.log(`predecessors: another instance waited ${readyMs} ms for the dead member's session to end`);
    expect(readyMs).toBeGreaterThan(DEFAULT_SESSION_TIMEOUT_MS / 2);
  });
});
