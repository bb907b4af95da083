import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import cassandra from 'cassandra-driver';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

import { engineAddresses } from '@verograph/service';

import { connectCassandra } from '../cassandraClient.ts';
import type { WriterName } from '../config.ts';
import type { WriterDeps } from '../startWriter.ts';

const migrationsDir = fileURLToPath(new URL('../../../migrations/cassandra/', import.meta.url));

/**
 * The keyspace the writers' integration tests use: the project's real migrations applied to a
 * keyspace of their own, so tests neither read nor leave rows in the one the product runs on.
 * Every migration is idempotent (IF NOT EXISTS), so applying them again is a no-op.
 */
export const TEST_KEYSPACE = process.env.WRITERS_TEST_KEYSPACE ?? 'verograph_writers_test';

export async function testCassandra(keyspace = TEST_KEYSPACE): Promise<cassandra.Client> {
  const engines = engineAddresses();
  const admin = new cassandra.Client({
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    ...(engines.cassandraCredentials && {
      authProvider: new cassandra.auth.PlainTextAuthProvider(
        engines.cassandraCredentials.username,
        engines.cassandraCredentials.password,
      ),
    }),
  });
  await admin.connect();
  try {
    await admin.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
  } finally {
    await admin.shutdown();
  }
  const client = await connectCassandra({
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    keyspace,
    credentials: engines.cassandraCredentials,
  });
  for (const file of readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.cql'))
    .sort()) {
    for (const statement of cqlStatements(readFileSync(migrationsDir + file, 'utf8'))) {
      await client.execute(statement, [], { prepare: false });
    }
  }
  return client;
}

/** Our migrations hold no semicolons inside strings: comments out, split on `;`. */
function cqlStatements(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Topics of one test run, named like the real ones with a suffix, so runs never meet. */
export async function testTopics(admin: Admin, run: string, partitions = 3) {
  const t = {
    usersCommands: `test.users.commands.${run}`,
    usersEvents: `test.users.events.${run}`,
    postsCommands: `test.posts.commands.${run}`,
    postsEvents: `test.posts.events.${run}`,
    collectionsCommands: `test.collections.commands.${run}`,
    collectionsEvents: `test.collections.events.${run}`,
    outcomes: `test.commands.outcomes.${run}`,
    deadLetter: `test.deadletter.${run}`,
  };
  await admin.createTopics({
    topics: Object.values(t).map((topic) => ({ topic, numPartitions: partitions })),
    waitForLeaders: true,
  });
  return {
    ...t,
    all: Object.values(t),
    of(name: WriterName): WriterDeps['topics'] {
      const common = { outcomes: t.outcomes, deadLetter: t.deadLetter };
      switch (name) {
        case 'users':
          return { ...common, commands: t.usersCommands, events: t.usersEvents };
        case 'posts':
          return { ...common, commands: t.postsCommands, events: t.postsEvents };
        case 'collections':
          return { ...common, commands: t.collectionsCommands, events: t.collectionsEvents };
      }
    },
  };
}

export type TestTopics = Awaited<ReturnType<typeof testTopics>>;

export interface Received {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Records everything published on some topics from their beginning, and lets a test wait
 * for what it expects to see.
 */
export async function watchTopics(kafka: Kafka, topics: readonly string[]) {
  const received: Received[] = [];
  const consumer = kafka.consumer({ groupId: `test-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      received.push({ topic, partition, message });
    },
  });
  return {
    received,
    /** Waits until `pick` finds something in what was received, and returns it. */
    async until<T>(what: string, pick: (all: readonly Received[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = pick(received);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${received.length} records seen)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => consumer.disconnect(),
  };
}

export type TopicWatch = Awaited<ReturnType<typeof watchTopics>>;

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
