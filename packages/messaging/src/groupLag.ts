import type { Admin } from 'kafkajs';

/**
 * The records the given consumer groups have not committed yet, over every topic they read: what
 * a tool that waits for the writers and projectors to catch up (benchmarks, the demo loader) asks.
 */
export async function totalLag(admin: Admin, groupIds: readonly string[]): Promise<number> {
  const ends = new Map<string, Map<number, { low: number; high: number }>>();
  const endsOf = async (topic: string) => {
    let byPartition = ends.get(topic);
    if (!byPartition) {
      byPartition = new Map(
        (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]),
      );
      ends.set(topic, byPartition);
    }
    return byPartition;
  };
  let lag = 0;
  for (const groupId of groupIds) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      const byPartition = await endsOf(topic);
      for (const { partition, offset } of partitions) {
        const end = byPartition.get(partition);
        if (!end) continue;
        const committed = Number(offset);
        lag += Math.max(0, end.high - (committed >= 0 ? committed : end.low));
      }
    }
  }
  return lag;
}
