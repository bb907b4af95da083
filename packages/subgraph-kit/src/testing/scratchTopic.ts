import type { Admin, Kafka } from 'kafkajs';

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates a topic of this run, for a spec's commands: no writer reads it, so every answer is the
 * spec's to predict. It returns once the broker lists the topic's offsets: a new topic's
 * metadata reaches the broker's listeners a moment after its leaders exist, and a consumer that
 * asks too early crashes.
 */
export async function createScratchTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
    for (let attempt = 0; ; attempt++) {
      const listed = await admin.fetchTopicOffsets(topic).catch((error: unknown) => {
        if (attempt > 50) throw error;
        return [];
      });
      if (listed.length === numPartitions) return;
      if (attempt > 50)
        throw new Error(`${topic} did not come up: ${listed.length} of ${numPartitions} partitions listed`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** Deletes a topic `createScratchTopic` made. */
export async function deleteScratchTopic(kafka: Kafka, topic: string): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
}
