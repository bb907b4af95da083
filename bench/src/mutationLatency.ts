/**
 * Item 2 of `npm run bench -- write`: latency from a mutation sent to the gateway to its payload
 * coming back APPLIED, at a fixed offered rate, open-loop (each request leaves on schedule,
 * whether or not the earlier ones have answered), beside a trivial query through the same
 * gateway at the same rate.
 */
import { performance } from 'node:perf_hooks';

import type { GatewayClient } from './gatewayClient.ts';
import { payloadStatus } from './gatewayClient.ts';
import { sleep, summarize, type LatencySummary } from './stats.ts';

export interface OpenLoopFigures {
  readonly offeredPerSecond: number;
  readonly achievedPerSecond: number;
  readonly sent: number;
  readonly latency: LatencySummary;
  /** How many answers had each status (APPLIED, ACCEPTED, REJECTED, `error CODE`). */
  readonly statuses: Readonly<Record<string, number>>;
}

/**
 * Fires `send(i)` at `rate` per second for `seconds`: every tick sends as many as the schedule
 * owes by then, so a late timer does not lower the offered rate. Latency is each request's own
 * round trip, from the moment it is written.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (index: number) => Promise<{ ms: number; status: string }>,
  firstIndex = 0,
): Promise<OpenLoopFigures> {
  const answers: Promise<{ ms: number; status: string }>[] = [];
  const started = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * rate) + 1 - sent;
    for (let i = 0; i < due; i++) {
      const at = performance.now();
      answers.push(
        // A failed request (a timeout, a refused connection) counts with the time it took to fail.
        send(firstIndex + sent).catch((error: unknown) => ({
          ms: performance.now() - at,
          status: `failed: ${error instanceof Error ? error.message : String(error)}`,
        })),
      );
      sent++;
    }
    await sleep(1);
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  const settled = await Promise.all(answers);
  const statuses: Record<string, number> = {};
  for (const { status } of settled) statuses[status] = (statuses[status] ?? 0) + 1;
  return {
    offeredPerSecond: rate,
    achievedPerSecond: sent / sendingSeconds,
    latency: summarize(settled.map((a) => a.ms)),
    statuses,
    sent,
  };
}

export interface MutationLatencyFigures {
  readonly mutation: OpenLoopFigures;
  readonly baseline: OpenLoopFigures;
}

const LOVE = 'mutation($p: ID!) { lovePost(postId: $p) { status } }';
const TYPENAME = '{ __typename }';

/**
 * lovePost by `lovers` (who follow the posts' author) over `posts`: request i is lover
 * i mod L on post ⌊i / L⌋ mod P, so no pair repeats (each love is new and APPLIED) as long as
 * the run sends fewer than L × P.
 */
export async function measureMutationLatency(
  client: GatewayClient,
  lovers: readonly string[],
  posts: readonly string[],
  options: { rate: number; seconds: number; warmupSeconds: number },
): Promise<MutationLatencyFigures> {
  for (const lover of lovers) await client.tokenFor(lover);
  const lover = (i: number) => lovers[i % lovers.length]!;
  const typename = async (i: number) => {
    const { answer, ms } = await client.request<{ __typename: string }>(lover(i), TYPENAME);
    return { ms, status: answer.data?.__typename === 'Query' ? 'OK' : payloadStatus(answer) };
  };
  const love = async (i: number) => {
    const post = posts[Math.floor(i / lovers.length) % posts.length]!;
    const { answer, ms } = await client.request<Record<string, { status: string }>>(lover(i), LOVE, { p: post });
    return { ms, status: payloadStatus(answer) };
  };
  const capacity = lovers.length * posts.length;
  const needed = Math.ceil(options.rate * (options.warmupSeconds + options.seconds) * 1.05);
  if (needed > capacity) throw new Error(`${needed} lovePost mutations need more than ${capacity} lover/post pairs`);

  // Warm-ups (JIT, pools, prepared statements) are not counted; the baseline goes first.
  await openLoop(options.rate, options.warmupSeconds, typename);
  const baseline = await openLoop(options.rate, options.seconds, typename);
  const warm = await openLoop(options.rate, options.warmupSeconds, love);
  const mutation = await openLoop(options.rate, options.seconds, love, warm.sent);
  return { mutation, baseline };
}
