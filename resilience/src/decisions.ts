import { expect } from 'vitest';

import { eventually } from './steadyLoad.ts';
import { tally, type TopicWatch } from './topicWatch.ts';

/**
 * What the writers must have done with every command a test sent: decided it exactly once.
 * `sent` maps each command id to what it was (named when its outcome is wrong). Waits until
 * every command has an outcome, then fails when
 * - an outcome is for a command nobody sent, or a sent command has none (lost);
 * - a command has more outcome records than copies in Kafka, or two different decisions
 *   (applied twice): a client's resend of an undecided command puts a second copy in Kafka,
 *   which the writer answers from its decision log with the identical outcome;
 * - a decision is not APPLIED, or anything reached the dead-letter topic.
 * Returns how many commands were in Kafka more than once.
 */
export async function expectEachDecidedOnce(
  watch: TopicWatch,
  sent: ReadonlyMap<string, string>,
  { timeoutMs = 120_000 } = {},
): Promise<{ resent: number }> {
  await eventually(
    'an outcome for every command sent',
    async () => ([...sent.keys()].every((id) => watch.outcomes.some((o) => o.commandId === id)) ? true : undefined),
    { timeoutMs },
  );
  const outcomesPerCommand = tally(watch.outcomes.map((o) => o.commandId));
  expect([...outcomesPerCommand.keys()].sort()).toEqual([...sent.keys()].sort());
  const copiesPerCommand = tally(watch.commandIds);
  expect(
    [...outcomesPerCommand]
      .filter(([id, count]) => count !== copiesPerCommand.get(id))
      .map(([id, count]) => ({ command: sent.get(id), outcomes: count, copies: copiesPerCommand.get(id) ?? 0 })),
  ).toEqual([]);
  const decisions = new Map<string, Set<string>>();
  for (const o of watch.outcomes) {
    const decision = JSON.stringify([o.status, o.reasonCode, o.decidedAt, o.eventIds]);
    decisions.set(o.commandId, (decisions.get(o.commandId) ?? new Set()).add(decision));
  }
  expect([...decisions].filter(([, distinct]) => distinct.size !== 1).map(([id]) => sent.get(id))).toEqual([]);
  expect(
    watch.outcomes.filter((o) => o.status !== 'APPLIED').map((o) => ({ ...o, sent: sent.get(o.commandId) })),
  ).toEqual([]);
  expect(watch.deadLetters()).toBe(0);
  return { resent: [...copiesPerCommand.values()].filter((n) => n > 1).length };
}
