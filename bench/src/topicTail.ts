import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

import { sleep } from './stats.ts';

/** A consumer that reads what is published on some topics from now on. */
export interface TopicTail {
  stop(): Promise<void>;
}

/**
 * Reads `topic` from its current end: the log ends are read first and the consumer seeks to
 * them, so nothing published after this resolves is missed, however long the group takes to
 * join, and none of the topic's history is read. `handle` gets each batch as it is fetched.
 */
export async function tailTopic(
  kafka: Kafka,
  topic: string,
  groupId: string,
  handle: (messages: readonly KafkaMessage[]) => void,
): Promise<TopicTail> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await logEnds(admin, topic);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: ends.length,
    eachBatch: async ({ batch }) => handle(batch.messages),
  });
  for (const { partition, high } of ends) consumer.seek({ topic, partition, offset: high });
  return {
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/**
 * The topic's log ends. Right after a topic is created, the broker may not yet lead every
 * partition it was given, and kafkajs does not retry ListOffsets on that: this does, briefly.
 */
export async function logEnds(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 20 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await sleep(250);
    }
  }
}
