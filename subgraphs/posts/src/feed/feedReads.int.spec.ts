import { randomUUID } from 'node:crypto';

import type { CountingClient, ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PostsTestServer } from '../testing/postsTestServer.ts';
import { startPostsTestServer } from '../testing/postsTestServer.ts';

/**
 * Issue 14, "a lean subgraph side": how many Cassandra statements one home-feed page costs,
 * counted on the real store for the page `npm run bench -- read` asks for (a viewer following
 * ten authors with three FOLLOWERS posts each, 20 posts a page). The counts asserted here are
 * a regression guard: a change that makes a page read more must say so by changing them.
 */
let world: PostsTestServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
let counting: CountingClient;

/** The posts subgraph's part of schema/operations/HomeFeed.graphql, as the gateway plans it. */
const HOME_FEED = `query($first: Int, $after: String) { feed(first: $first, after: $after) {
  edges { cursor node { id kind audience caption url tags createdAt loveCount commentCount viewerHasLoved
    author { __typename id } } }
  pageInfo { hasNextPage endCursor } } }`;

/** What each statement reads, by the table it names. */
const kinds: ReadonlyArray<readonly [string, RegExp]> = [
  ['followees', /FROM follows_by_follower /],
  ['pulledAuthors', /FROM pulled_authors /],
  ['timeline', /FROM feed_by_viewer /],
  ['authorPosts', /FROM posts_by_author /],
  ['posts', /FROM posts WHERE /],
  ['connections', /FROM connections /],
  ['followers', /FROM follows_by_followee /],
  ['loves', /FROM loves_by_user /],
];

function byKind(statements: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const cql of statements) {
    const kind = kinds.find(([, pattern]) => pattern.test(cql))?.[0] ?? cql;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The statements one feed page cost, by kind, and the page itself. */
async function page(
  viewer: string,
  expected = 20,
): Promise<{ reads: Record<string, number>; edges: number; loved: number }> {
  counting.reset();
  const answer = await gql.query<{ feed: { edges: Array<{ node: { viewerHasLoved: boolean } }> } }>(viewer, HOME_FEED, {
    first: 20,
  });
  expect(answer.errors).toBeUndefined();
  const edges = answer.data!.feed.edges;
  expect(edges).toHaveLength(expected);
  return {
    reads: byKind(counting.statements),
    edges: edges.length,
    loved: edges.filter((e) => e.node.viewerHasLoved).length,
  };
}

let viewer: string;

beforeAll(async () => {
  world = await startPostsTestServer('posts-feed-reads-int', { mutationWaitMs: 300 });
  ({ gql, fx, counting } = world);
  viewer = await fx.user();
  const start = Date.now();
  for (let a = 0; a < 10; a++) {
    const author = await fx.user();
    await fx.follow(viewer, author);
    for (let i = 0; i < 3; i++) {
      const createdAt = new Date(start - (a * 3 + i) * 1000);
      const post = await fx.post({ authorId: author, audience: 'FOLLOWERS', createdAt });
      await fx.feedRow(viewer, { ...post, authorId: author });
      if (i === 0) await fx.love(post.id, viewer);
    }
  }
});

afterAll(async () => {
  await world?.stop();
});

describe('one home-feed page of the read bench', () => {
  it('costs a handful of Cassandra reads, one of each kind it needs', async () => {
    const first = await page(viewer);
    // The second page within the pulled-status memory (2 s): the steady state under load.
    const steady = await page(viewer);
    console.info('feed page reads, first:', first.reads, 'steady:', steady.reads);
    for (const { edges, loved } of [first, steady]) {
      expect(edges).toBe(20);
      expect(loved).toBe(7);
    }
    expect(first.reads).toEqual({
      followees: 1,
      pulledAuthors: 1,
      timeline: 1,
      posts: 1,
      loves: 1,
    });
    // Every post is a followed author's FOLLOWERS post: the follow list read first decides them all.
    expect(steady.reads).toEqual({ followees: 1, timeline: 1, posts: 1, loves: 1 });
  });
});

describe('a feed page holding a post the viewer may not see', () => {
  /** A viewer following one author, whose timeline holds three visible posts and `odd` last. */
  async function timelineWith(odd: 'invisible' | 'deleted' | 'missing'): Promise<string> {
    const reader = await fx.user();
    const author = await fx.user();
    await fx.follow(reader, author);
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      const post = await fx.post({ authorId: author, audience: 'FOLLOWERS', createdAt: new Date(start - i * 1000) });
      await fx.feedRow(reader, { ...post, authorId: author });
    }
    const createdAt = new Date(start - 10_000);
    const row =
      odd === 'missing'
        ? { id: randomUUID(), createdAt }
        : await fx.post({ authorId: author, audience: 'CLOSE_FRIENDS', createdAt, deleted: odd === 'deleted' });
    await fx.feedRow(reader, { ...row, authorId: author });
    return reader;
  }

  it('costs the same reads whether that post is invisible, deleted or missing', async () => {
    const reads: Record<string, string[]> = {};
    for (const odd of ['invisible', 'deleted', 'missing'] as const) {
      const reader = await timelineWith(odd);
      await page(reader, 3); // the pulled status of a new author is read once, then remembered
      expect((await page(reader, 3)).edges).toBe(3);
      reads[odd] = [...counting.statements].sort();
    }
    expect(reads.invisible).toEqual(reads.missing);
    expect(reads.deleted).toEqual(reads.missing);
  });
});
