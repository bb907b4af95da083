import { randomUUID } from 'node:crypto';

import type { GatewayClient, GraphQLAnswer } from './gatewayClient.ts';
import { payloadStatus } from './gatewayClient.ts';
import { inParallel } from './stats.ts';

const CREATE_PROFILE = 'mutation($i: CreateProfileInput!) { createProfile(input: $i) { status } }';
const FOLLOW = 'mutation($u: ID!, $c: String) { follow(userId: $u, clientMutationId: $c) { status } }';

/**
 * Sends a seeding mutation until it is APPLIED. An ACCEPTED answer (the writer had not decided
 * within MUTATION_WAIT_MS) is sent again with the same clientMutationId: the same command, which
 * is answered from the writer's record once decided, never applied twice.
 */
async function untilApplied(
  what: string,
  send: (clientMutationId: string) => Promise<GraphQLAnswer<unknown>>,
): Promise<void> {
  const clientMutationId = randomUUID();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await send(clientMutationId);
    const status = payloadStatus(answer);
    if (status === 'APPLIED') return;
    if (status !== 'ACCEPTED' || Date.now() > deadline) {
      throw new Error(`${what} was not APPLIED (${status}): ${JSON.stringify(answer)}`);
    }
  }
}

/** The users of one write benchmark run, all with profiles made through the gateway. */
export interface BenchUsers {
  /** Authors the posts that items 1 and 2 love. */
  readonly author: string;
  /** Follow `author`, so they may see (and love) its FOLLOWERS posts. */
  readonly lovers: readonly string[];
  /** Posts in item 3, followed by `follower` only. */
  readonly feedAuthor: string;
  readonly follower: string;
}

/**
 * Profiles and follows through the real write path (gateway → users subgraph → Kafka →
 * writer), each awaited until APPLIED, a few at a time.
 */
export async function seedUsers(client: GatewayClient, run: string, loverCount: number): Promise<BenchUsers> {
  const id = (role: string) => `bench-${run}-${role}`;
  const users: BenchUsers = {
    author: id('author'),
    lovers: Array.from({ length: loverCount }, (_, i) => id(`lover${i}`)),
    feedAuthor: id('feedauthor'),
    follower: id('follower'),
  };
  const everyone = [users.author, users.feedAuthor, users.follower, ...users.lovers];
  await inParallel(everyone, 8, async (userId) => {
    const username = `b${run}_${userId.slice(userId.lastIndexOf('-') + 1)}`;
    await untilApplied(`createProfile for ${userId}`, async (c) => {
      const input = { username, displayName: `Bench ${username}`, clientMutationId: c };
      return (await client.request(userId, CREATE_PROFILE, { i: input })).answer;
    });
  });
  const follows: [string, string][] = [
    [users.follower, users.feedAuthor],
    ...users.lovers.map((lover): [string, string] => [lover, users.author]),
  ];
  await inParallel(follows, 8, async ([follower, followee]) => {
    await untilApplied(`follow ${follower} → ${followee}`, async (c) => {
      return (await client.request(follower, FOLLOW, { u: followee, c })).answer;
    });
  });
  return users;
}
