/**
 * Seeds the mix's social graph through the real write path (CreateProfile and Follow on
 * users.commands → the writers → the projectors), once: the graph's ids and command ids follow
 * from its tiers, so a second run finds the follower counts in place and reuses it, and a run
 * interrupted half-way sends the same commands again, which the writers do not apply twice.
 */
import { performance } from 'node:perf_hooks';

import { deterministicId } from '@verograph/domain';
import type { Admin } from 'kafkajs';

import type { WritePathDeps } from '../commandThroughput.ts';
import { waitForCaughtUp } from '../consumerLag.ts';
import type { GatewayClient } from '../gatewayClient.ts';
import { createPostCommand } from '../postCommands.ts';
import { inParallel, sleep } from '../stats.ts';
import { followerIndex, usernameOf, type GraphAuthor, type GraphLayout } from './graphLayout.ts';
import { createProfileCommand, followCommand } from './mixCommands.ts';
import type { MixPost } from './mixPlan.ts';
import { throughWriters } from './throughWriters.ts';
import { topics } from '@verograph/messaging';

const FOLLOWER_COUNT = 'query($id: ID!) { user(id: $id) { followerCount } }';

/** Authors whose follower count in the read model is not what the layout says. */
async function authorsOff(client: GatewayClient, layout: GraphLayout): Promise<GraphAuthor[]> {
  const viewer = layout.users[0]!;
  const off: GraphAuthor[] = [];
  await inParallel(layout.authors, 8, async (author) => {
    const { answer } = await client.request<{ user: { followerCount: number } | null }>(viewer, FOLLOWER_COUNT, {
      id: author.id,
    });
    if (answer.data?.user?.followerCount !== author.followers) off.push(author);
  });
  return off;
}

export interface GraphSeeding {
  /** Whether this run made (part of) the graph, or found it complete. */
  readonly made: boolean;
  readonly seconds: number;
}

export async function seedGraph(
  deps: WritePathDeps & { readonly admin: Admin; readonly client: GatewayClient },
  layout: GraphLayout,
): Promise<GraphSeeding> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if ((await authorsOff(deps.client, layout)).length === 0) return { made: false, seconds: seconds() };
  // The counts are a projector's: on busy engines it may be behind rather than the graph missing.
  await waitForCaughtUp(deps.admin, 120_000);
  const missing = await authorsOff(deps.client, layout);
  if (missing.length === 0) return { made: false, seconds: seconds() };

  // Only what the authors found off need: their profiles, their followers' and their follows.
  const id = (...parts: string[]) => deterministicId('bench-graph', layout.name, ...parts);
  const followers = new Set(
    missing.flatMap((a) => Array.from({ length: a.followers }, (_, i) => followerIndex(layout, a, i))),
  );
  const profiles = [
    ...[...followers].map((u) =>
      createProfileCommand(layout.users[u]!, usernameOf(layout, u), id('profile', layout.users[u]!)),
    ),
    ...missing.map((a) => createProfileCommand(a.id, a.username, id('profile', a.id))),
  ];
  // Profiles first: a follow is rejected unless both sides have one.
  await throughWriters(deps, 'graph-profiles', profiles, ['PROFILE_EXISTS', 'USERNAME_TAKEN']);
  const follows = missing.flatMap((author) =>
    Array.from({ length: author.followers }, (_, i) => {
      const follower = layout.users[followerIndex(layout, author, i)]!;
      return followCommand(follower, author.id, id('follow', follower, author.id));
    }),
  );
  await throughWriters(deps, 'graph-follows', follows, ['ALREADY_FOLLOWING']);
  // The counts, not every group's lag: on shared engines others' traffic may keep a group behind.
  const deadline = Date.now() + 600_000;
  let off = await authorsOff(deps.client, layout);
  while (off.length > 0 && Date.now() < deadline) {
    await sleep(2000);
    off = await authorsOff(deps.client, layout);
  }
  if (off.length > 0) {
    throw new Error(
      `the follower counts of ${off.length} authors are off 10 minutes after seeding, e.g. ${off[0]!.id}`,
    );
  }
  return { made: true, seconds: seconds() };
}

/**
 * What each run makes afresh, so that its loves, follows and connections are all new:
 * `targetCount` users to follow and connect with, and `postCount` posts spread over the
 * authors (each author at least one while there are enough), all through the writers.
 */
export async function seedRun(
  deps: WritePathDeps,
  layout: GraphLayout,
  targetCount: number,
  postCount: number,
): Promise<{ targets: string[]; posts: MixPost[] }> {
  const targets = Array.from({ length: targetCount }, (_, i) => `bench-${deps.run}-t${i}`);
  await throughWriters(
    deps,
    'run-targets',
    targets.map((t, i) => createProfileCommand(t, `b${deps.run}_t${i}`, deterministicId(t, 'profile'))),
  );
  const creates = Array.from({ length: postCount }, (_, i) => {
    const author = layout.authors[i % layout.authors.length]!;
    return { author, command: createPostCommand(topics.postsCommands, author.id) };
  });
  await throughWriters(
    deps,
    'run-posts',
    creates.map((c) => c.command),
  );
  return { targets, posts: creates.map((c) => ({ postId: c.command.record.key, author: c.author })) };
}
