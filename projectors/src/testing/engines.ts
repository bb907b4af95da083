import { randomUUID } from 'node:crypto';

import { createKafka } from '@verograph/messaging';
import {
  scratchKeyspace,
  scratchPostgresSchema,
  scratchSearchIndices,
  testRun,
  until,
  type ScratchIndices,
  type ScratchKeyspace,
  type ScratchSchema,
} from '@verograph/stack/testing';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';

import { createCassandraClient } from '../cassandra/cassandraClient.ts';
import type { StreamTopics } from '../events/projectedEvent.ts';
import type { SearchIndices } from '../search/searchStore.ts';

/**
 * Real engines for the projectors' integration specs: the shared scratch keyspace, schema and
 * indices (`@verograph/stack/testing`), and topics and consumer groups of this run only.
 */
export const run = testRun;
export const silentLogger = pino({ level: 'silent' });
const host = '127.0.0.1';

export type TestKeyspace = ScratchKeyspace;
export type TestSchema = ScratchSchema;

/** A keyspace of this run with every table, and a client configured as the projectors' own. */
export const freshKeyspace = (name: string): Promise<TestKeyspace> =>
  scratchKeyspace(name, { connect: createCassandraClient });

export const freshPostgresSchema = scratchPostgresSchema;

export interface TestIndices extends ScratchIndices {
  readonly indices: SearchIndices;
}

export const freshIndices = (name: string): Promise<TestIndices> => scratchSearchIndices(name);

export interface TestTopics {
  readonly kafka: Kafka;
  readonly topics: StreamTopics;
  readonly feedUpdates: string;
  readonly engagementUpdates: string;
  readonly notificationUpdates: string;
  readonly deadLetter: string;
  drop(): Promise<void>;
}

export async function freshTopics(name: string, partitions = 3): Promise<TestTopics> {
  const kafka = createKafka(`projectors-test-${name}-${run}`, [`${host}:${process.env.KAFKA_PORT ?? 9092}`]);
  const t = (what: string) => `test.projectors.${name}.${what}.${run}`;
  const topics: StreamTopics = { users: t('users'), posts: t('posts'), collections: t('collections') };
  const extra = {
    feedUpdates: t('feed-updates'),
    engagementUpdates: t('engagement-updates'),
    notificationUpdates: t('notification-updates'),
    deadLetter: t('deadletter'),
  };
  const all = [...Object.values(topics), ...Object.values(extra)];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: all.map((topic) => ({ topic, numPartitions: partitions })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  return {
    kafka,
    topics,
    ...extra,
    async drop() {
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: all }).catch(() => undefined);
      // Every group a spec of this run created has the run in its id (see testGroup).
      const groups = (await a.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(`.${run}.`));
      if (groups.length > 0) await a.deleteGroups(groups).catch(() => undefined);
      await a.disconnect();
    },
  };
}

/** A consumer group id of this run only, removed by TestTopics.drop(). */
export function testGroup(name: string): string {
  return `test.projectors.${name}.${run}.${randomUUID().slice(0, 8)}`;
}

export { until };
