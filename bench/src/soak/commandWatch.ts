import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { topics } from '@verograph/messaging';
import type { Admin, Kafka } from 'kafkajs';

import { createReadOnce, type SeenCommands, type SeenOutcome } from './decisions.ts';

const WATCHED = [topics.usersCommands, topics.postsCommands, topics.collectionsCommands, topics.commandOutcomes];

/** Reads the commands topics and commands.outcomes from where they ended when it was started. */
export interface CommandWatch extends SeenCommands {
  /** Why the watch's consumer crashed, if it did: what it saw is then incomplete. */
  crashed(): string | undefined;
  /** Leaves the group and closes the connections; waits for the fetch in hand. */
  stop(): Promise<void>;
}

/**
 * Starts reading before the soak sends anything: the topics' ends are taken from the admin
 * first, and the consumer (a group of its own) is moved there once it runs, so it neither
 * misses the soak's first commands nor reads the shared topics' whole history.
 */
export async function watchCommands(kafka: Kafka, admin: Admin): Promise<CommandWatch> {
  const starts = await Promise.all(
    WATCHED.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })),
  );
  const copies = new Map<string, number>();
  const outcomes: SeenOutcome[] = [];
  const groupId = `soak-watch-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  let crash: string | undefined;
  const firstReading = createReadOnce();
  let reread = 0;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    crash ??= `${payload.error.name}: ${payload.error.message}`;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: WATCHED, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (!firstReading(topic, partition, message.offset)) {
          reread++;
          return;
        }
        if (topic === topics.commandOutcomes) {
          if (!message.value) return;
          const o = fromBinary(CommandOutcomeSchema, message.value);
          outcomes.push({
            commandId: o.commandId,
            status: o.status === CommandStatus.APPLIED ? 'APPLIED' : 'REJECTED',
            reasonCode: o.reasonCode,
            decision: [o.status, o.reasonCode, o.decidedAt?.seconds, o.decidedAt?.nanos, ...o.eventIds].join(' '),
          });
          return;
        }
        const id = message.headers?.['command-id']?.toString();
        if (id !== undefined) copies.set(id, (copies.get(id) ?? 0) + 1);
      },
    });
    for (const { topic, partitions } of starts) {
      for (const { partition, high } of partitions) consumer.seek({ topic, partition, offset: high });
    }
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return {
    copies,
    outcomes,
    crashed: () => crash,
    reread: () => reread,
    async stop() {
      await consumer.disconnect();
      // The group was the soak's alone: nothing of it is left on the shared broker.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}
