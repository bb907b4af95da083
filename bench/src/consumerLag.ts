import { performance } from 'node:perf_hooks';

import type { Admin } from 'kafkajs';

import { sleep } from './stats.ts';

/** The records that the given consumer groups have not committed yet, over every topic they read. */
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

/**
 * Waits until the writers' and projectors' groups have caught up (what a benchmark left behind
 * would otherwise slow the next one), or the timeout; says how long that took and what is left.
 */
export async function waitForCaughtUp(
  admin: Admin,
  timeoutMs: number,
): Promise<{ seconds: number; lagAtStart: number; lagLeft: number }> {
  const groupIds = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => /^writers-[a-z]+$/.test(id) || /^projectors\.[a-z]+$/.test(id));
  const started = performance.now();
  const lagAtStart = await totalLag(admin, groupIds);
  let lagLeft = lagAtStart;
  while (lagLeft > 0 && performance.now() - started < timeoutMs) {
    await sleep(500);
    lagLeft = await totalLag(admin, groupIds);
  }
  return { seconds: (performance.now() - started) / 1000, lagAtStart, lagLeft };
}
