/**
 * The insights of issue 16 end to end: posts, loves and comments made through the gateway go
 * through the writers, the insights job (Flink, run by the stack), the insights projector and
 * subgraph, and come back through the gateway as trending tags and the author's Post.insights;
 * and the job's flood guard makes the writers refuse one user's flood of comments with
 * RATE_LIMITED while another user's comments go on being applied.
 *
 * A window's result is published once the job's watermark passes the window's end, which takes
 * later events: a ticker (one user loving and unloving their own post every 1.5 s, which no
 * insight counts) keeps event time moving, and Kafka partitions without traffic stop holding the
 * watermark back after the job's idle timeout (30 s). So a 5-minute engagement bucket shows at
 * most about 5 minutes + idle timeout + out-of-orderness + a checkpoint after its first event;
 * the flood test runs first and uses part of that wait.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { eventually, graphqlClient, type GraphQLClient } from './graphqlClient.ts';
import { tokenFor } from './system.ts';

const run = randomUUID().slice(0, 8);
const tag = `ins${run}`;
const authors = [0, 1, 2, 3, 4].map((n) => `ins-author${n}-${run}`);
const fan = `ins-fan-${run}`;
const ticker = `ins-ticker-${run}`;
const flooder = `ins-flooder-${run}`;
const calm = `ins-calm-${run}`;
const RESULT = 'commandId status reason { code message }';
type Payload = { status: string; reason?: { code: string } | null; post?: { id: string } };

const as: Record<string, GraphQLClient> = {};
const posts: Record<string, string> = {};
let ticking = true;
let tickerDone: Promise<void> = Promise.resolve();

async function send(user: string, mutation: string, variables: Record<string, unknown>, field: string) {
  const result = await as[user]!.request<Record<string, Payload>>(mutation, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data![field]!;
}
async function applied(user: string, mutation: string, variables: Record<string, unknown>, field: string) {
  const payload = await send(user, mutation, variables, field);
  expect(payload.status, `${user} ${field}: ${JSON.stringify(payload)}`).toBe('APPLIED');
  return payload;
}
const createPost = async (user: string, tags: string[]) => {
  const payload = await applied(
    user,
    `mutation($input: CreatePostInput!) { createPost(input: $input) { ${RESULT} post { id } } }`,
    { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `insights ${run}`, tags } },
    'createPost',
  );
  return payload.post!.id;
};
const comment = (user: string, postId: string, n: number) =>
  send(
    user,
    `mutation($p: ID!, $t: String!) { commentOnPost(postId: $p, text: $t) { ${RESULT} } }`,
    { p: postId, t: `comment ${n}` },
    'commentOnPost',
  );

beforeAll(async () => {
  const gatewayUrl = inject('gatewayUrl');
  const users = [...authors, fan, ticker, flooder, calm];
  for (const user of users) as[user] = graphqlClient(gatewayUrl, await tokenFor(user));
  for (const user of users) {
    await applied(
      user,
      `mutation($input: CreateProfileInput!) { createProfile(input: $input) { ${RESULT} } }`,
      { input: { username: user.replaceAll('-', '_'), displayName: user } },
      'createProfile',
    );
  }
  await applied(fan, `mutation($u: ID!) { follow(userId: $u) { ${RESULT} } }`, { u: authors[0] }, 'follow');
  // Five distinct authors use the tag with the FOLLOWERS audience: the threshold of trending.
  for (const author of authors) posts[author] = await createPost(author, [tag]);
  await applied(fan, `mutation($p: ID!) { lovePost(postId: $p) { ${RESULT} } }`, { p: posts[authors[0]!] }, 'lovePost');
  for (const n of [1, 2]) expect((await comment(authors[0]!, posts[authors[0]!]!, n)).status).toBe('APPLIED');

  posts[ticker] = await createPost(ticker, []);
  tickerDone = (async () => {
    for (let n = 0; ticking; n++) {
      const field = n % 2 === 0 ? 'lovePost' : 'unlovePost';
      // Only its events matter (they move event time on); a failed tick is not this test's subject.
      await as[ticker]!.request(`mutation($p: ID!) { ${field}(postId: $p) { status } }`, { p: posts[ticker] }).catch(
        () => undefined,
      );
      await sleep(1_500);
    }
  })();
}, 120_000);

afterAll(async () => {
  ticking = false;
  await tickerDone;
});

describe('the flood guard', () => {
  it("rejects one user's flood of comments with RATE_LIMITED after the limit, and applies another user's", async () => {
    const flooded = await createPost(flooder, []);
    const quiet = await createPost(calm, []);
    const flood: Payload[] = [];
    const others: Payload[] = [];
    // 4 a second from the flooder (limit 20 a minute); one every 4 s from the other user (15 a minute).
    const deadline = Date.now() + 180_000;
    for (let n = 0; !flood.some((p) => p.status === 'REJECTED'); n++) {
      if (Date.now() > deadline) throw new Error(`no RATE_LIMITED after ${flood.length} comments`);
      flood.push(await comment(flooder, flooded, n));
      if (n % 16 === 0) others.push(await comment(calm, quiet, n));
      await sleep(250);
    }
    // While the throttle holds, the other user's comments still go through.
    for (let n = 0; n < 3; n++) others.push(await comment(calm, quiet, 1_000 + n));

    const firstRejected = flood.findIndex((p) => p.status === 'REJECTED');
    expect(firstRejected).toBeGreaterThanOrEqual(21);
    expect(flood[firstRejected]!.reason?.code).toBe('RATE_LIMITED');
    for (const p of flood) if (p.status !== 'APPLIED') expect(p.reason?.code).toBe('RATE_LIMITED');
    expect(others.map((p) => p.status)).toEqual(others.map(() => 'APPLIED'));
  }, 240_000);
});

describe('trending tags and Post.insights', () => {
  it('lists the tag of five authors, and gives the post author its loves and comments, null to others', async () => {
    const trending = await eventually(
      () =>
        as[fan]!.request<{ trendingTags: Array<{ tag: string; uses: number; authors: number }> }>(
          'query { trendingTags(window: HOUR, first: 100) { tag uses authors } }',
        ),
      (r) => (r.data?.trendingTags ?? []).some((t) => t.tag === tag),
      { timeoutMs: 180_000, intervalMs: 1_000, what: `#${tag} trending` },
    );
    expect(trending.errors).toBeUndefined();
    expect(trending.data!.trendingTags.find((t) => t.tag === tag)).toEqual({ tag, uses: 5, authors: 5 });

    const INSIGHTS = 'query($id: ID!) { post(id: $id) { id insights { loves comments buckets { loves comments } } } }';
    type Insights = { post: { id: string; insights: { loves: number; comments: number } | null } | null };
    const postId = posts[authors[0]!]!;
    const mine = await eventually(
      () => as[authors[0]!]!.request<Insights>(INSIGHTS, { id: postId }),
      (r) => (r.data?.post?.insights?.loves ?? 0) > 0,
      { timeoutMs: 480_000, intervalMs: 2_000, what: 'the post insights of its author' },
    );
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.post!.insights).toMatchObject({ loves: 1, comments: 2 });

    // The fan may see the post (a follower) but not its insights: null, and no error says why.
    const theirs = await as[fan]!.request<Insights>(INSIGHTS, { id: postId });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data!.post).toEqual({ id: postId, insights: null });
  }, 600_000);
});
