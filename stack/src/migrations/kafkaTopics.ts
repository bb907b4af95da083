import type { Admin, ITopicConfig } from 'kafkajs';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS: its enums are reachable from the default export only.
const { ConfigResourceTypes } = kafkajs;

import type { Migration } from './migration.ts';

/** What a Kafka migration file declares: topics with their partition count and configuration. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Record<string, string>;
}

interface KafkaMigration {
  readonly topics?: readonly TopicSpec[];
}

/**
 * Kafka migrations are declarative: every `up` reconciles the brokers with all of them in
 * order — missing topics are created, partition counts only ever grow (shrinking would
 * reorder keys), and declared configs are set. Re-applying is a no-op, so Kafka needs no ledger.
 */
export async function reconcileTopics(
  admin: Admin,
  migrations: readonly Migration[],
  replicationFactor: number,
): Promise<string[]> {
  const wanted = new Map<string, TopicSpec>();
  for (const migration of migrations) {
    for (const topic of (JSON.parse(migration.body) as KafkaMigration).topics ?? []) wanted.set(topic.name, topic);
  }
  const changes: string[] = [];
  const existing = new Set(await admin.listTopics());

  const toCreate: ITopicConfig[] = [...wanted.values()]
    .filter((t) => !existing.has(t.name))
    .map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      replicationFactor,
      configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
    }));
  if (toCreate.length > 0) {
    await admin.createTopics({ topics: toCreate, waitForLeaders: true });
    changes.push(...toCreate.map((t) => `created ${t.topic}`));
  }

  const present = [...wanted.values()].filter((t) => existing.has(t.name));
  if (present.length === 0) return changes;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const grow = present.flatMap((t) => {
    const count = metadata.topics.find((m) => m.name === t.name)?.partitions.length ?? 0;
    return count < t.partitions ? [{ topic: t.name, count: t.partitions }] : [];
  });
  if (grow.length > 0) {
    await admin.createPartitions({ topicPartitions: grow });
    changes.push(...grow.map((g) => `grew ${g.topic} to ${g.count} partitions`));
  }

  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
  });
  for (const topic of present) {
    const current = described.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
    const drift = Object.entries(topic.config ?? {}).filter(
      ([name, value]) => current.find((c) => c.configName === name)?.configValue !== value,
    );
    if (drift.length === 0) continue;
    // kafkajs sends the non-incremental AlterConfigs: name every declared entry, not just the drift.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic.name,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    changes.push(`set ${drift.map(([n, v]) => `${n}=${v}`).join(', ')} on ${topic.name}`);
  }
  return changes;
}
