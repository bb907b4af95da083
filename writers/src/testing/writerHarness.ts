import { randomUUID } from 'node:crypto';

import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { CollectionEventSchema } from '@verograph/contracts/collections/v1/events';
import { CommandOutcomeSchema, CommandStatus, type CommandOutcome } from '@verograph/contracts/common/v1/outcome';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { UserEventSchema } from '@verograph/contracts/users/v1/events';
import type cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import {
  coalesceSends,
  createKafka,
  createProducer,
  type MessageProducer,
  type RunningConsumer,
} from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';

import type { WriterName } from '../config.ts';
import type { ThrottleBook } from '../floodGuard/throttleBook.ts';
import { startWriter } from '../startWriter.ts';
import { testCassandra, testTopics, watchTopics, type Received } from './engines.ts';

type UserInit = NonNullable<MessageInitShape<typeof UserCommandSchema>['command']>;
type PostInit = NonNullable<MessageInitShape<typeof PostCommandSchema>['command']>;
type CollectionInit = NonNullable<MessageInitShape<typeof CollectionCommandSchema>['command']>;

export interface SentCommand {
  readonly commandId: string;
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
}

/**
 * The writers running in this process against the real Kafka and Cassandra, on topics and
 * consumer groups of this run only, with helpers to publish commands like a mutation would
 * and to read back what the writers published.
 */
export async function startWriterHarness(
  names: readonly WriterName[],
  options: { concurrency?: number; keyConcurrency?: number; floodGuard?: ThrottleBook } = {},
) {
  const run = randomUUID().slice(0, 8);
  const kafka = createKafka(`writers-test-${run}`, engineAddresses().kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  const topics = await testTopics(admin, run);
  const cassandra: cassandra.Client = await testCassandra();
  const writerProducer = coalesceSends(await createProducer(kafka));
  const commandProducer: MessageProducer = await createProducer(kafka);
  const metrics = new Registry();
  const logger = pino({ level: process.env.WRITERS_TEST_LOG_LEVEL ?? 'silent' });
  const watch = await watchTopics(kafka, [
    topics.outcomes,
    topics.usersEvents,
    topics.postsEvents,
    topics.collectionsEvents,
    topics.deadLetter,
  ]);

  const consumers = new Map<WriterName, RunningConsumer>();
  const start = async (name: WriterName) => {
    consumers.set(
      name,
      await startWriter(name, {
        kafka,
        cassandra,
        producer: writerProducer,
        logger,
        metrics,
        clock: () => new Date(),
        groupId: `test-writers-${name}-${run}`,
        topics: topics.of(name),
        concurrency: options.concurrency ?? 3,
        keyConcurrency: options.keyConcurrency ?? 4,
        sessionTimeoutMs: 6_000,
        lagRefreshMs: 0,
        ...(options.floodGuard && { floodGuard: options.floodGuard }),
      }),
    );
  };
  for (const name of names) await start(name);

  const publish = async (topic: string, key: string, value: Uint8Array, commandId: string): Promise<SentCommand> => {
    await commandProducer.send([{ topic, key, value }]);
    return { commandId, topic, key, value };
  };
  const envelope = (actor: string, key: string, commandId: string) => ({
    commandId,
    aggregateId: key,
    actorId: actor,
    occurredAt: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
  });

  const outcomesOf = (commandId: string, all: readonly Received[]) =>
    all
      .filter((r) => r.topic === topics.outcomes && r.message.key?.toString() === commandId)
      .map((r) => fromBinary(CommandOutcomeSchema, r.message.value!));

  const eventsOf = async <Desc extends DescMessage>(topic: string, schema: Desc, commandId: string) => {
    const decoded = (all: readonly Received[]) =>
      all
        .filter((r) => r.topic === topic)
        .map((r) => ({ key: r.message.key?.toString(), event: fromBinary(schema, r.message.value!) }))
        .filter((e) => (e.event as { envelope?: { commandId: string } }).envelope?.commandId === commandId);
    const outcome = await watch.until(`the outcome of ${commandId}`, (all) => outcomesOf(commandId, all)[0]);
    return watch.until(`${outcome.eventIds.length} events of ${commandId}`, (all) => {
      const events = decoded(all);
      return events.length >= outcome.eventIds.length ? events : undefined;
    });
  };

  return {
    run,
    kafka,
    admin,
    topics,
    cassandra,
    metrics,
    watch,
    consumers,
    start,

    /** Publishes a users command as `actor`, keyed by `key` (its aggregate). */
    user: (actor: string, key: string, command: UserInit, commandId: string = randomUUID()) =>
      publish(
        topics.usersCommands,
        key,
        toBinary(UserCommandSchema, create(UserCommandSchema, { envelope: envelope(actor, key, commandId), command })),
        commandId,
      ),
    post: (actor: string, key: string, command: PostInit, commandId: string = randomUUID()) =>
      publish(
        topics.postsCommands,
        key,
        toBinary(PostCommandSchema, create(PostCommandSchema, { envelope: envelope(actor, key, commandId), command })),
        commandId,
      ),
    /** A posts command, encoded but not published (see `publishAll`). */
    postCommand: (actor: string, key: string, command: PostInit, commandId: string = randomUUID()): SentCommand => ({
      commandId,
      topic: topics.postsCommands,
      key,
      value: toBinary(
        PostCommandSchema,
        create(PostCommandSchema, { envelope: envelope(actor, key, commandId), command }),
      ),
    }),
    /** Publishes commands in one send, in order: a backlog that the writer finds all at once. */
    publishAll: (sent: readonly SentCommand[]) =>
      commandProducer.send(sent.map(({ topic, key, value }) => ({ topic, key, value }))),
    collection: (actor: string, key: string, command: CollectionInit, commandId: string = randomUUID()) =>
      publish(
        topics.collectionsCommands,
        key,
        toBinary(
          CollectionCommandSchema,
          create(CollectionCommandSchema, { envelope: envelope(actor, key, commandId), command }),
        ),
        commandId,
      ),
    /** Publishes exactly these bytes again: a redelivered or duplicated command. */
    resend: (sent: SentCommand) => publish(sent.topic, sent.key, sent.value, sent.commandId),
    raw: (topic: string, key: string, value: Uint8Array) => commandProducer.send([{ topic, key, value }]),

    /** The command's outcome, once published. */
    outcome: (sent: { commandId: string }, timeoutMs?: number): Promise<CommandOutcome> =>
      watch.until(`the outcome of ${sent.commandId}`, (all) => outcomesOf(sent.commandId, all)[0], timeoutMs),
    /** Every outcome published for the command so far (a replay republishes it). */
    outcomes: (sent: { commandId: string }) => outcomesOf(sent.commandId, watch.received),
    /** Awaits an APPLIED outcome, failing with the reason when the command was rejected. */
    async applied(sent: { commandId: string }) {
      const outcome = await watch.until(
        `the outcome of ${sent.commandId}`,
        (all) => outcomesOf(sent.commandId, all)[0],
      );
      if (outcome.status !== CommandStatus.APPLIED) {
        throw new Error(`command ${sent.commandId} was rejected: ${outcome.reasonCode} ${outcome.reasonMessage}`);
      }
      return outcome;
    },
    /**
     * The users events of a command, once all of them (as many as its outcome names) arrived:
     * the outcome and the events go to different topics, so either may be seen first.
     */
    userEvents: (commandId: string) => eventsOf(topics.usersEvents, UserEventSchema, commandId),
    postEvents: (commandId: string) => eventsOf(topics.postsEvents, PostEventSchema, commandId),
    collectionEvents: (commandId: string) => eventsOf(topics.collectionsEvents, CollectionEventSchema, commandId),

    async stop() {
      await Promise.all([...consumers.values()].map((c) => c.stop()));
      await watch.stop();
      await writerProducer.disconnect();
      await commandProducer.disconnect();
      await admin.deleteTopics({ topics: topics.all }).catch(() => undefined);
      await admin.disconnect();
      await cassandra.shutdown();
    },
  };
}

export type WriterHarness = Awaited<ReturnType<typeof startWriterHarness>>;

/** A user id and a username unique to this run. */
export function newUser(prefix: string) {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
  return { id: `${prefix}-${suffix}`, username: `${prefix}_${suffix}` };
}

export { CommandStatus };
