/**
 * The audience scenario of the read-path issue, end to end: real engines, writers,
 * projectors, four subgraphs and the gateway as separate processes, driven over HTTP as a
 * frontend would. For every viewer it asserts exactly what they may and may not see; a leak
 * anywhere is a failure.
 */
import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, inject, it } from 'vitest';

import { eventually, graphqlClient, type GraphQLClient } from './graphqlClient.ts';
import { tokenFor } from './system.ts';

type Audience = 'CLOSE_FRIENDS' | 'FRIENDS' | 'ACQUAINTANCES' | 'FOLLOWERS';
const AUDIENCES: Audience[] = ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'];

const run = randomUUID().slice(0, 8);
/** A word no other run uses, so search and feeds only see this run's posts. */
// Letters only, always 11 long: long enough that a swapped pair stays within the fuzzy match's edits.
const marker = `zq${[...run].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('')}x`;
const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
type Person = (typeof people)[number];
const id = (p: Person) => `${p}-${run}`;

/** What each viewer may see of alice's four posts, by the audience rule. */
const expected: Record<Person | 'anonymous', Audience[]> = {
  alice: AUDIENCES, // the author
  bob: AUDIENCES, // filed CLOSE_FRIEND
  carol: ['FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'], // filed FRIEND
  dave: ['ACQUAINTANCES', 'FOLLOWERS'], // filed ACQUAINTANCE
  erin: ['FOLLOWERS'], // follows
  frank: [], // a stranger
  anonymous: [],
};

const MUTATION_RESULT = 'commandId status reason { code message }';

const as: Record<string, GraphQLClient> = {};
const postIds = {} as Record<Audience, string>;
let collectionId = '';

async function applied(client: GraphQLClient, mutation: string, variables: Record<string, unknown>, field: string) {
  const result = await client.request<
    Record<string, { status: string; reason?: { code: string } } & Record<string, unknown>>
  >(mutation, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  const payload = result.data?.[field];
  expect(payload?.status, JSON.stringify(payload)).toBe('APPLIED');
  return payload!;
}

beforeAll(async () => {
  const gatewayUrl = inject('gatewayUrl');
  for (const p of people) as[p] = graphqlClient(gatewayUrl, await tokenFor(id(p)));
  as.anonymous = graphqlClient(gatewayUrl);

  for (const p of people) {
    await applied(
      as[p]!,
      `mutation($input: CreateProfileInput!) { createProfile(input: $input) { ${MUTATION_RESULT} user { id username } } }`,
      { input: { username: `${p}_${run}`, displayName: `${p[0]!.toUpperCase()}${p.slice(1)} ${marker}` } },
      'createProfile',
    );
  }
  const connect = async (requester: Person, level: string) => {
    await applied(
      as[requester]!,
      `mutation($u: ID!) { requestConnection(userId: $u, level: FRIEND) { ${MUTATION_RESULT} } }`,
      { u: id('alice') },
      'requestConnection',
    );
    await applied(
      as.alice!,
      `mutation($u: ID!, $l: ConnectionLevel!) { acceptConnection(userId: $u, level: $l) { ${MUTATION_RESULT} } }`,
      { u: id(requester), l: level },
      'acceptConnection',
    );
  };
  await connect('bob', 'CLOSE_FRIEND');
  await connect('carol', 'FRIEND');
  await connect('dave', 'ACQUAINTANCE');
  await applied(
    as.erin!,
    `mutation($u: ID!) { follow(userId: $u) { ${MUTATION_RESULT} } }`,
    { u: id('alice') },
    'follow',
  );

  for (const audience of AUDIENCES) {
    const payload = await applied(
      as.alice!,
      `mutation($input: CreatePostInput!) { createPost(input: $input) { ${MUTATION_RESULT} post { id audience } } }`,
      { input: { kind: 'TEXT', audience, caption: `${marker} for ${audience.toLowerCase()}`, tags: [marker] } },
      'createPost',
    );
    postIds[audience] = (payload.post as { id: string }).id;
  }

  const collection = await applied(
    as.alice!,
    `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { ${MUTATION_RESULT} collection { id } } }`,
    { input: { title: `Best of ${marker}`, description: 'all four audiences' } },
    'createCollection',
  );
  collectionId = (collection.collection as { id: string }).id;
  for (const audience of AUDIENCES) {
    await applied(
      as.alice!,
      `mutation($c: ID!, $p: ID!) { addToCollection(collectionId: $c, postId: $p) { ${MUTATION_RESULT} } }`,
      { c: collectionId, p: postIds[audience] },
      'addToCollection',
    );
  }
}, 600_000);

const audiencesOf = (ids: readonly string[]) => AUDIENCES.filter((a) => ids.includes(postIds[a])).sort();

const viewers = [...people, 'anonymous'] as const;

describe('what each viewer sees of alice’s posts', () => {
  for (const viewer of viewers) {
    it(`${viewer}: post(id) reveals exactly the visible posts`, async () => {
      for (const audience of AUDIENCES) {
        const result = await as[viewer]!.request<{ post: { id: string } | null }>(
          'query($id: ID!) { post(id: $id) { id audience caption } }',
          { id: postIds[audience] },
        );
        expect(result.errors).toBeUndefined();
        expect(result.data?.post?.id ?? null).toBe(expected[viewer].includes(audience) ? postIds[audience] : null);
      }
    });

    it(`${viewer}: alice's profile lists exactly the visible posts`, async () => {
      const result = await as[viewer]!.request<{ user: { posts: { edges: { node: { id: string } }[] } } }>(
        'query($id: ID!) { user(id: $id) { id posts(first: 50) { edges { node { id } } } } }',
        { id: id('alice') },
      );
      expect(result.errors).toBeUndefined();
      expect(audiencesOf(result.data!.user.posts.edges.map((e) => e.node.id))).toEqual([...expected[viewer]].sort());
    });

    it(`${viewer}: the collection shows exactly the visible posts`, async () => {
      const probe = () =>
        as[viewer]!.request<{ collection: { postCount: number; posts: { edges: { node: { id: string } }[] } } }>(
          'query($id: ID!) { collection(id: $id) { postCount posts(first: 50) { edges { node { id } } } } }',
          { id: collectionId },
        );
      const result = await eventually(probe, (r) => r.data?.collection?.postCount === expected[viewer].length, {
        what: `${viewer}'s view of the collection`,
      });
      expect(audiencesOf(result.data!.collection.posts.edges.map((e) => e.node.id))).toEqual(
        [...expected[viewer]].sort(),
      );
    });

    it(`${viewer}: search finds exactly the visible posts, typo included`, async () => {
      const probe = (query: string) => () =>
        as[viewer]!.request<{ search: { edges: { node: { __typename: string; id: string } }[] } }>(
          'query($q: String!) { search(query: $q, first: 50) { edges { node { __typename ... on Post { id } ... on User { id } } } } }',
          { q: query },
        );
      const postsFound = (r: Awaited<ReturnType<ReturnType<typeof probe>>>) =>
        audiencesOf((r.data?.search.edges ?? []).filter((e) => e.node.__typename === 'Post').map((e) => e.node.id));
      const exact = await eventually(probe(marker), (r) => postsFound(r).length === expected[viewer].length, {
        what: `${viewer}'s search results`,
      });
      expect(postsFound(exact)).toEqual([...expected[viewer]].sort());
      // One letter swapped: still found, still filtered.
      const typo = `${marker.slice(0, 3)}${marker[4]}${marker[3]}${marker.slice(5)}`;
      expect(postsFound(await probe(typo)())).toEqual([...expected[viewer]].sort());
    });
  }

  for (const viewer of people.filter((p) => p !== 'alice')) {
    it(`${viewer}: the home feed holds exactly the visible posts`, async () => {
      const probe = () =>
        as[viewer]!.request<{ feed: { edges: { node: { id: string } }[] } }>(
          'query { feed(first: 50) { edges { cursor node { id author { id } } } pageInfo { hasNextPage endCursor } } }',
        );
      const result = await eventually(
        probe,
        (r) => audiencesOf((r.data?.feed.edges ?? []).map((e) => e.node.id)).length === expected[viewer].length,
        { what: `${viewer}'s feed` },
      );
      expect(audiencesOf(result.data!.feed.edges.map((e) => e.node.id))).toEqual([...expected[viewer]].sort());
    });
  }

  it('an anonymous feed is refused with a coded error', async () => {
    const result = await as.anonymous!.request('query { feed(first: 5) { edges { node { id } } } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('engagement and rights', () => {
  it('lets a close friend love the close-friends post, and nobody who cannot see it', async () => {
    const love = await applied(
      as.bob!,
      `mutation($p: ID!) { lovePost(postId: $p) { ${MUTATION_RESULT} post { loveCount viewerHasLoved } } }`,
      { p: postIds.CLOSE_FRIENDS },
      'lovePost',
    );
    expect(love.post).toEqual({ loveCount: 1, viewerHasLoved: true });
    const refused = await as.frank!.request<{ lovePost: { status: string; reason: { code: string } } }>(
      `mutation($p: ID!) { lovePost(postId: $p) { ${MUTATION_RESULT} } }`,
      { p: postIds.CLOSE_FRIENDS },
    );
    const code = refused.data?.lovePost?.reason?.code ?? refused.errors?.[0]?.extensions?.code;
    expect(code).toBe('POST_NOT_FOUND');
  });

  it('gives a resent mutation the same outcome and never a second post', async () => {
    const clientMutationId = `retry-${run}`;
    const send = () =>
      as.alice!.request<{ createPost: { commandId: string; status: string; post: { id: string } } }>(
        `mutation($input: CreatePostInput!) { createPost(input: $input) { ${MUTATION_RESULT} post { id } } }`,
        { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `${marker} once`, clientMutationId } },
      );
    const first = await send();
    const second = await send();
    expect(second.data?.createPost.commandId).toBe(first.data?.createPost.commandId);
    expect(second.data?.createPost.post.id).toBe(first.data?.createPost.post.id);
    const own = await as.alice!.request<{ user: { posts: { edges: { node: { caption: string } }[] } } }>(
      'query($id: ID!) { user(id: $id) { posts(first: 50) { edges { node { caption } } } } }',
      { id: id('alice') },
    );
    expect(own.data!.user.posts.edges.filter((e) => e.node.caption === `${marker} once`)).toHaveLength(1);
  });
});

describe('a level change', () => {
  it('takes effect on the next read, then everywhere', async () => {
    await applied(
      as.alice!,
      `mutation($u: ID!) { setConnectionLevel(userId: $u, level: ACQUAINTANCE) { ${MUTATION_RESULT} } }`,
      { u: id('carol') },
      'setConnectionLevel',
    );
    // Direct reads check the rule as they read: no waiting.
    const direct = await as.carol!.request<{ post: { id: string } | null }>(
      'query($id: ID!) { post(id: $id) { id } }',
      {
        id: postIds.FRIENDS,
      },
    );
    expect(direct.data?.post).toBeNull();
    const feed = await as.carol!.request<{ feed: { edges: { node: { id: string } }[] } }>(
      'query { feed(first: 50) { edges { node { id } } } }',
    );
    expect(audiencesOf(feed.data!.feed.edges.map((e) => e.node.id))).toEqual(['ACQUAINTANCES', 'FOLLOWERS']);
    // Projected models follow within moments.
    await eventually(
      () =>
        as.carol!.request<{ collection: { postCount: number } }>(
          'query($id: ID!) { collection(id: $id) { postCount } }',
          {
            id: collectionId,
          },
        ),
      (r) => r.data?.collection.postCount === 2,
      { what: "carol's collection view after the level change" },
    );
    await eventually(
      () =>
        as.carol!.request<{ search: { edges: { node: { __typename: string; id?: string } }[] } }>(
          'query($q: String!) { search(query: $q, first: 50) { edges { node { __typename ... on Post { id } } } } }',
          { q: marker },
        ),
      (r) => !(r.data?.search.edges ?? []).some((e) => e.node.id === postIds.FRIENDS),
      { what: "carol's search after the level change" },
    );
  });
});
