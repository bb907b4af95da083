/**
 * Items 2 and 3 of `npm run bench -- write`: the mix as GraphQL mutations through the gateway,
 * each from its own user with their own token, open loop (see openLoop.ts); beside
 * `{ __typename }` through the same gateway at the same rate, by the same users.
 * 2. at the sustained rate: latency to the answer (APPLIED within the mutation's wait) and
 *    the answers by kind, with CPU per mutation by process;
 * 3. a spike at twice that rate, then quiet: errors, ACCEPTED rather than APPLIED, and how long
 *    the read models take to catch up.
 */
import { performance } from 'node:perf_hooks';

import type { Admin } from 'kafkajs';

import { waitForCaughtUp } from '../consumerLag.ts';
import type { GatewayClient } from '../gatewayClient.ts';
import { answerKind, openLoop, type OpenLoopFigures } from '../openLoop.ts';
import { cpuMeter } from '../processCpu.ts';
import { inParallel } from '../stats.ts';
import { mixSender } from './mixMutations.ts';
import type { MixPlan } from './mixPlan.ts';

export interface MutationMixDeps {
  readonly client: GatewayClient;
  readonly admin: Admin;
  /** The run's plan (shared with item 1, so that no love, follow or request is repeated). */
  readonly plan: MixPlan;
  /** Everyone who may act: tokens are minted for all of them before anything is timed. */
  readonly users: readonly string[];
  readonly pids: Readonly<Record<string, number>>;
}

export interface MutationMixFigures {
  readonly mutation: OpenLoopFigures;
  readonly baseline: OpenLoopFigures;
  /** CPU milliseconds per mutation by process (gross: idle use included). */
  readonly cpuPerMutation: Record<string, number>;
  readonly distinctActors: number;
}

export interface SpikeFigures {
  readonly spike: OpenLoopFigures;
  readonly baseline: OpenLoopFigures;
  /** From the last mutation sent to every read model caught up; and left behind when it gave up. */
  readonly catchUpSeconds: number;
  readonly lagLeft: number;
  readonly lagAtLastAnswer: number;
  /** From the last mutation sent to its last answer. */
  readonly answersSeconds: number;
}

const TYPENAME = '{ __typename }';

/** Tokens are minted once per user, before any clock runs. */
export async function mintTokens(client: GatewayClient, users: readonly string[]): Promise<void> {
  await inParallel(users, 16, async (user) => {
    await client.tokenFor(user);
  });
}

function typenameSender(deps: MutationMixDeps): (index: number) => Promise<string> {
  return async (index) => {
    const user = deps.users[index % deps.users.length]!;
    const { answer, httpStatus } = await deps.client.request<{ __typename: string }>(user, TYPENAME);
    return answer.data?.__typename === 'Query' && httpStatus === 200 ? 'OK' : answerKind(answer, httpStatus);
  };
}

export async function measureMutationMix(
  deps: MutationMixDeps,
  options: { readonly rate: number; readonly seconds: number; readonly warmupSeconds: number },
): Promise<MutationMixFigures> {
  const typename = typenameSender(deps);
  // Warm-ups (JIT, pools, prepared statements, the subgraphs' caches) are not counted; the baseline goes first.
  await openLoop(options.rate, options.warmupSeconds, typename);
  const baseline = await openLoop(options.rate, options.seconds, typename);
  const actors = new Set<string>();
  const send = mixSender(deps.client, deps.plan, actors);
  const warm = await openLoop(options.rate, options.warmupSeconds, send);
  const meter = cpuMeter(deps.pids);
  const mutation = await openLoop(options.rate, options.seconds, send, warm.sent);
  const spent = meter.stop();
  return {
    mutation,
    baseline,
    cpuPerMutation: Object.fromEntries(Object.entries(spent).map(([n, ms]) => [n, ms / mutation.sent])),
    distinctActors: actors.size,
  };
}

export async function measureSpike(
  deps: MutationMixDeps,
  options: { readonly rate: number; readonly seconds: number },
): Promise<SpikeFigures> {
  const baseline = await openLoop(options.rate, options.seconds, typenameSender(deps));
  await waitForCaughtUp(deps.admin, 300_000);
  const started = performance.now();
  const spike = await openLoop(options.rate, options.seconds, mixSender(deps.client, deps.plan));
  const lastSent = started + spike.sendingSeconds * 1000;
  const answersSeconds = (performance.now() - lastSent) / 1000;
  const drained = await waitForCaughtUp(deps.admin, 600_000, 250);
  return {
    spike,
    baseline,
    catchUpSeconds: (performance.now() - lastSent) / 1000,
    lagLeft: drained.lagLeft,
    lagAtLastAnswer: drained.lagAtStart,
    answersSeconds,
  };
}
