import { fromBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { topics } from '@verograph/messaging';

import type { WritePathDeps } from '../commandThroughput.ts';
import type { BenchCommand } from '../postCommands.ts';
import { sleep } from '../stats.ts';
import { tailTopic } from '../topicTail.ts';

export interface WritersRound {
  readonly applied: number;
  /** Rejections with a tolerated reason (seeding again: PROFILE_EXISTS, ALREADY_FOLLOWING). */
  readonly tolerated: number;
}

/**
 * Publishes `commands` (at most `window` awaiting their outcome) and waits for every outcome;
 * throws when one is rejected for a reason not in `tolerated`, or when no outcome came for 3 minutes
 * (another writers process in the group, on a loaded machine, may hold partitions a while).
 */
export async function throughWriters(
  deps: WritePathDeps,
  what: string,
  commands: readonly BenchCommand[],
  tolerated: readonly string[] = [],
  window = 2000,
): Promise<WritersRound> {
  const pending = new Set<string>();
  let applied = 0;
  let toleratedCount = 0;
  const rejections: Record<string, number> = {};
  const tail = await tailTopic(deps.kafka, topics.commandOutcomes, `bench-${deps.run}-${what}`, (messages) => {
    for (const m of messages) {
      const outcome = fromBinary(CommandOutcomeSchema, m.value!);
      if (!pending.delete(outcome.commandId)) continue;
      if (outcome.status === CommandStatus.APPLIED) applied++;
      else if (tolerated.includes(outcome.reasonCode)) toleratedCount++;
      else rejections[outcome.reasonCode] = (rejections[outcome.reasonCode] ?? 0) + 1;
    }
  });
  try {
    let lastProgress = Date.now();
    let lastPending = -1;
    const stalled = () => {
      if (pending.size !== lastPending) [lastPending, lastProgress] = [pending.size, Date.now()];
      return Date.now() - lastProgress > 180_000;
    };
    for (let sent = 0; sent < commands.length;) {
      if (pending.size >= window) {
        if (stalled()) break;
        await sleep(10);
        continue;
      }
      const chunk = commands.slice(sent, sent + Math.min(500, window - pending.size));
      for (const c of chunk) pending.add(c.commandId);
      await deps.producer.send(chunk.map((c) => c.record));
      sent += chunk.length;
    }
    while (pending.size > 0 && !stalled()) await sleep(20);
    if (pending.size > 0) throw new Error(`${what}: ${pending.size} of ${commands.length} commands got no outcome`);
    if (Object.keys(rejections).length > 0) throw new Error(`${what}: rejected ${JSON.stringify(rejections)}`);
    return { applied, tolerated: toleratedCount };
  } finally {
    await tail.stop();
  }
}
