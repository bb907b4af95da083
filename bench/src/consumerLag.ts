import { performance } from 'node:perf_hooks';

import { totalLag } from '@verograph/messaging';
import type { Admin } from 'kafkajs';

import { sleep } from './stats.ts';

/**
 * The consumer groups of the writers and of every projector that has a member: the read models'
 * way behind the commands. A group nobody consumes any more (a projector renamed, an old run's)
 * keeps its offsets and would never catch up, so it is left out.
 */
export async function writePathGroups(admin: Admin): Promise<string[]> {
  const named = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => /^writers-[a-z]+$/.test(id) || /^projectors\.[a-z]+$/.test(id));
  if (named.length === 0) return [];
  const { groups } = await admin.describeGroups(named);
  return groups.filter((g) => g.members.length > 0).map((g) => g.groupId);
}

/**
 * Waits until the writers' and projectors' groups have caught up (what a benchmark left behind
 * would otherwise slow the next one), or the timeout; says how long that took and what is left.
 */
export async function waitForCaughtUp(
  admin: Admin,
  timeoutMs: number,
  pollMs = 500,
): Promise<{ seconds: number; lagAtStart: number; lagLeft: number }> {
  const groupIds = await writePathGroups(admin);
  const started = performance.now();
  const lagAtStart = await totalLag(admin, groupIds);
  let lagLeft = lagAtStart;
  while (lagLeft > 0 && performance.now() - started < timeoutMs) {
    await sleep(pollMs);
    lagLeft = await totalLag(admin, groupIds);
  }
  return { seconds: (performance.now() - started) / 1000, lagAtStart, lagLeft };
}
