import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { createKafka, topics } from '@verograph/messaging';

/** One command outcome as the writers published it on commands.outcomes. */
export interface SeenOutcome {
  readonly commandId: string;
  readonly status: 'APPLIED' | 'REJECTED';
  readonly reasonCode: string;
  /** The decision's identity: a replayed outcome repeats these exactly. */
  readonly decidedAt: string;
  readonly eventIds: readonly string[];
  /** When this watch read it (epoch ms). */
  readonly receivedAt: number;
}

/**
 * Reads commands.outcomes, the dead-letter topic and the commands topics of a private Kafka
 * from their beginning, so a test can compare what the writers decided with what was sent.
 */
export interface TopicWatch {
  readonly outcomes: readonly SeenOutcome[];
  /** How many records reached the dead-letter topic. */
  deadLetters(): number;
  /** The command ids seen on the commands topics (header `command-id`), in arrival order. */
  readonly commandIds: readonly string[];
  stop(): Promise<void>;
}

export async function watchTopics(brokers: readonly string[]): Promise<TopicWatch> {
  const kafka = createKafka(`resilience-watch-${randomUUID().slice(0, 8)}`, brokers);
  const consumer = kafka.consumer({ groupId: `resilience-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const outcomes: SeenOutcome[] = [];
  const commandIds: string[] = [];
  let deadLetters = 0;
  await consumer.connect();
  await consumer.subscribe({
    topics: [
      topics.commandOutcomes,
      topics.deadLetter,
      topics.usersCommands,
      topics.postsCommands,
      topics.collectionsCommands,
    ],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === topics.deadLetter) {
        deadLetters++;
      } else if (topic === topics.commandOutcomes && message.value) {
        const outcome = fromBinary(CommandOutcomeSchema, message.value);
        outcomes.push({
          commandId: outcome.commandId,
          status: outcome.status === CommandStatus.APPLIED ? 'APPLIED' : 'REJECTED',
          reasonCode: outcome.reasonCode,
          decidedAt: `${outcome.decidedAt?.seconds ?? ''}.${outcome.decidedAt?.nanos ?? ''}`,
          eventIds: outcome.eventIds,
          receivedAt: Date.now(),
        });
      } else {
        const header = message.headers?.['command-id'];
        if (header !== undefined) commandIds.push(header.toString());
      }
    },
  });
  return { outcomes, commandIds, deadLetters: () => deadLetters, stop: () => consumer.disconnect() };
}

/** How many times each value occurs. */
export function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
