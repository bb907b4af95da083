import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience as ProtoAudience, PostKind as ProtoPostKind } from '@verograph/contracts/posts/v1/posts';
import type { Audience } from '@verograph/domain';
import type { MessageProducer } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import {
  createLogger,
  engineAddresses,
  signViewer,
  VIEWER_BATCH_HEADER,
  VIEWER_HEADER,
  viewerBatchOperation,
} from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { commandIdFor, createdIdFor } from '@verograph/subgraph-kit';
import type {
  CountingClient,
  ReadModelFixtures,
  SignedGraphQLClient,
  TopicCapture,
} from '@verograph/subgraph-kit/testing';
import {
  countingClient,
  createScratchTopic,
  deleteScratchTopic,
  errorCodes,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
  startTopicCapture,
} from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPostsSubgraph } from './postsSubgraph.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

const secret = `posts-int-secret-${randomUUID()}`;
const WAIT_MS = 400;

let client: cassandra.Client;
let counting: CountingClient;
let kafka: Kafka;
const commandsTopic = `posts.commands.test-${randomUUID().slice(0, 8)}`;

let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;

beforeAll(async () => {
  const engines = engineAddresses();
  client = await localCassandra('posts-subgraph-int');
  counting = countingClient(client);
  kafka = createKafka('posts-subgraph-int', engines.kafkaBrokers);
  producer = await createProducer(kafka);
  // Commands go to a topic of this run: no writer reads it, so every answer is this spec's to predict.
  await createScratchTopic(kafka, commandsTopic, 3);
  server = await startPostsSubgraph({
    cassandra: counting,
    producer,
    logger: createLogger('posts-subgraph-int', 'silent'),
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: WAIT_MS,
    idSecret: ID_SECRET,
    commandsTopic,
  });
  gql = signedGraphQLClient(server.url, secret, 'posts');
  fx = readModelFixtures(client);
});

afterAll(async () => {
  await server?.close();
  await producer?.disconnect();
  if (kafka) await deleteScratchTopic(kafka, commandsTopic);
  await client?.shutdown();
});

interface PostNode {
  id: string;
  audience: Audience;
}
interface Page {
  edges: Array<{ cursor: string; node: PostNode }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const POST = 'query($id: ID!) { post(id: $id) { id audience author { id } } }';
const FEED =
  'query($first: Int, $after: String) { feed(first: $first, after: $after) { edges { cursor node { id audience } } pageInfo { hasNextPage endCursor } } }';
const USER_POSTS =
  'query($r: [_Any!]!, $first: Int, $after: String, $kind: PostKind) { _entities(representations: $r) { ... on User { posts(first: $first, after: $after, kind: $kind) { edges { cursor node { id audience } } pageInfo { hasNextPage endCursor } } } } }';
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id audience } } }';

async function feedOf(viewer: string | undefined, first = 20, after?: string): Promise<Page> {
  const answer = await gql.query<{ feed: Page }>(viewer, FEED, { first, after });
  expect(answer.errors).toBeUndefined();
  return answer.data!.feed;
}

async function postsOf(viewer: string | undefined, authorId: string, first = 20, after?: string, kind?: string) {
  const answer = await gql.query<{ _entities: Array<{ posts: Page }> }>(viewer, USER_POSTS, {
    r: [{ __typename: 'User', id: authorId }],
    first,
    after,
    kind,
  });
  expect(answer.errors).toBeUndefined();
  return answer.data!._entities[0]!.posts;
}

const ids = (page: Page) => page.edges.map((e) => e.node.id);

describe('what each viewer sees, for each audience', () => {
  const byAudience = {} as Record<Audience | 'DELETED', string>;
  const viewers = {} as Record<'author' | 'closeFriend' | 'friend' | 'acquaintance' | 'follower' | 'stranger', string>;
  const newestFirst: Array<Audience> = ['FOLLOWERS', 'ACQUAINTANCES', 'FRIENDS', 'CLOSE_FRIENDS'];

  const sees: Record<keyof typeof viewers | 'anonymous', Audience[]> = {
    author: newestFirst,
    closeFriend: newestFirst,
    friend: ['FOLLOWERS', 'ACQUAINTANCES', 'FRIENDS'],
    acquaintance: ['FOLLOWERS', 'ACQUAINTANCES'],
    follower: ['FOLLOWERS'],
    stranger: [],
    anonymous: [],
  };

  beforeAll(async () => {
    for (const who of ['author', 'closeFriend', 'friend', 'acquaintance', 'follower', 'stranger'] as const) {
      viewers[who] = await fx.user();
    }
    const { author } = viewers;
    // Each side files the other differently: only the author's side may count.
    await fx.connect(author, viewers.closeFriend, 'CLOSE_FRIEND', 'ACQUAINTANCE');
    await fx.connect(author, viewers.friend, 'FRIEND', 'ACQUAINTANCE');
    await fx.connect(author, viewers.acquaintance, 'ACQUAINTANCE', 'CLOSE_FRIEND');
    await fx.follow(viewers.follower, author);
    const t0 = Date.now() - 60_000;
    const seeded = [
      ['CLOSE_FRIENDS', 1],
      ['FRIENDS', 2],
      ['ACQUAINTANCES', 3],
      ['FOLLOWERS', 4],
    ] as const;
    for (const [audience, n] of seeded) {
      byAudience[audience] = (await fx.post({ authorId: author, audience, createdAt: new Date(t0 + n * 1000) })).id;
    }
    byAudience.DELETED = (
      await fx.post({ authorId: author, audience: 'FOLLOWERS', deleted: true, createdAt: new Date(t0 + 5000) })
    ).id;
    // A stale fan-out: every timeline holds every post; the read must still filter.
    for (const viewer of Object.values(viewers)) {
      for (const [audience, n] of [...seeded, ['DELETED', 5] as const]) {
        await fx.feedRow(viewer, { id: byAudience[audience], createdAt: new Date(t0 + n * 1000), authorId: author });
      }
    }
  });

  const cases = Object.keys(sees) as Array<keyof typeof sees>;
  const viewerOf = (who: keyof typeof sees) => (who === 'anonymous' ? undefined : viewers[who]);

  it.each(cases)('post(id): the %s sees exactly their audiences; the rest are null like missing posts', async (who) => {
    for (const audience of [...newestFirst, 'DELETED'] as const) {
      const answer = await gql.query<{ post: PostNode | null }>(viewerOf(who), POST, { id: byAudience[audience] });
      expect(answer.errors, `${who} / ${audience}`).toBeUndefined();
      const visible = audience !== 'DELETED' && sees[who].includes(audience);
      expect(answer.data!.post, `${who} / ${audience}`).toEqual(
        visible ? { id: byAudience[audience], audience, author: { id: viewers.author } } : null,
      );
    }
    const missing = await gql.query<{ post: PostNode | null }>(viewerOf(who), POST, { id: randomUUID() });
    expect(missing.data!.post).toBeNull();
  });

  it.each(cases)('User.posts: the %s sees exactly their audiences, newest first', async (who) => {
    const page = await postsOf(viewerOf(who), viewers.author);
    expect(page.edges.map((e) => e.node.audience)).toEqual(sees[who]);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it.each(cases.filter((c) => c !== 'anonymous'))('feed: the %s sees exactly their audiences', async (who) => {
    const page = await feedOf(viewerOf(who));
    expect(page.edges.map((e) => e.node.audience)).toEqual(sees[who]);
  });

  it('feed: an anonymous viewer is told to sign in', async () => {
    const answer = await gql.query(undefined, FEED, {});
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
  });

  it.each(cases)('_entities: the %s gets null for each post they may not see', async (who) => {
    const order = [...newestFirst, 'DELETED'] as const;
    const answer = await gql.query<{ _entities: Array<PostNode | null> }>(viewerOf(who), ENTITIES, {
      r: order.map((audience) => ({ __typename: 'Post', id: byAudience[audience] })),
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!._entities.map((p) => p?.audience ?? null)).toEqual(
      order.map((audience) => (audience !== 'DELETED' && sees[who].includes(audience) ? audience : null)),
    );
  });
});

describe('changes of relationship take effect on the next read', () => {
  it('given a friend refiled as an acquaintance, when they read again, then the FRIENDS post is gone everywhere', async () => {
    const author = await fx.user();
    const viewer = await fx.user();
    await fx.connect(author, viewer, 'FRIEND', 'FRIEND');
    const post = await fx.post({ authorId: author, audience: 'FRIENDS' });
    await fx.feedRow(viewer, { ...post, authorId: author });
    expect(ids(await feedOf(viewer))).toEqual([post.id]);

    await fx.setLevel(author, viewer, 'ACQUAINTANCE');

    expect(ids(await feedOf(viewer))).toEqual([]);
    expect(ids(await postsOf(viewer, author))).toEqual([]);
    expect((await gql.query<{ post: unknown }>(viewer, POST, { id: post.id })).data!.post).toBeNull();
  });
});

describe('the hybrid feed', () => {
  it('given a followed author whose posts are pulled, when the feed is read, then their visible posts merge in by time', async () => {
    const fan = await fx.user();
    const celebrity = await fx.user();
    const friend = await fx.user();
    await fx.pulledAuthor(celebrity);
    await fx.follow(fan, celebrity);
    await fx.connect(friend, fan, 'FRIEND', 'FRIEND');
    const t0 = Date.now() - 30_000;
    const old = await fx.post({ authorId: celebrity, audience: 'FOLLOWERS', createdAt: new Date(t0 + 1000) });
    const fanned = await fx.post({ authorId: friend, audience: 'FRIENDS', createdAt: new Date(t0 + 2000) });
    await fx.feedRow(fan, { ...fanned, authorId: friend });
    const recent = await fx.post({ authorId: celebrity, audience: 'FOLLOWERS', createdAt: new Date(t0 + 3000) });
    await fx.post({ authorId: celebrity, audience: 'FRIENDS', createdAt: new Date(t0 + 4000) });

    expect(ids(await feedOf(fan))).toEqual([recent.id, fanned.id, old.id]);

    // One post per page walks the same merged order.
    const walked: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await feedOf(fan, 1, after);
      walked.push(...ids(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(walked).toEqual([recent.id, fanned.id, old.id]);
  });
});

describe('cursor pagination', () => {
  it('given a reader between pages, when a newer post arrives, then the next page continues where it left off', async () => {
    const author = await fx.user();
    const reader = await fx.user();
    await fx.follow(reader, author);
    const t0 = Date.now() - 60_000;
    const posts: Array<{ id: string; createdAt: Date }> = [];
    for (let n = 1; n <= 5; n++) {
      const post = await fx.post({ authorId: author, audience: 'FOLLOWERS', createdAt: new Date(t0 + n * 1000) });
      await fx.feedRow(reader, { ...post, authorId: author });
      posts.unshift(post);
    }
    const [p5, p4, p3, p2, p1] = posts.map((p) => p.id);

    const feed1 = await feedOf(reader, 2);
    const own1 = await postsOf(reader, author, 2);
    expect(ids(feed1)).toEqual([p5, p4]);
    expect(ids(own1)).toEqual([p5, p4]);

    const p6 = await fx.post({ authorId: author, audience: 'FOLLOWERS', createdAt: new Date() });
    await fx.feedRow(reader, { ...p6, authorId: author });

    const feed2 = await feedOf(reader, 2, feed1.pageInfo.endCursor!);
    expect(ids(feed2)).toEqual([p3, p2]);
    expect(feed2.pageInfo.hasNextPage).toBe(true);
    const feed3 = await feedOf(reader, 2, feed2.pageInfo.endCursor!);
    expect(ids(feed3)).toEqual([p1]);
    expect(feed3.pageInfo.hasNextPage).toBe(false);

    const own2 = await postsOf(reader, author, 2, own1.pageInfo.endCursor!);
    expect(ids(own2)).toEqual([p3, p2]);
    expect(ids(await postsOf(reader, author, 2, own2.pageInfo.endCursor!))).toEqual([p1]);

    expect(ids(await feedOf(reader, 2))).toEqual([p6.id, p5]);
    // An edge's cursor continues after that edge.
    expect(ids(await feedOf(reader, 1, feed1.edges[0]!.cursor))).toEqual([p4]);
  });

  it('filters User.posts by kind', async () => {
    const author = await fx.user();
    const photo = await fx.post({ authorId: author, audience: 'FOLLOWERS', kind: 'PHOTO' });
    await fx.post({ authorId: author, audience: 'FOLLOWERS', kind: 'BOOK' });
    expect(ids(await postsOf(author, author, 20, undefined, 'PHOTO'))).toEqual([photo.id]);
  });

  it('refuses first above the cap, a negative first and a junk cursor with coded errors', async () => {
    const viewer = await fx.user();
    expect(errorCodes(await gql.query(viewer, FEED, { first: 101 }))).toEqual(['FIRST_TOO_LARGE']);
    expect(errorCodes(await gql.query(viewer, FEED, { first: -1 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.query(viewer, FEED, { after: 'junk' }))).toEqual(['INVALID_CURSOR']);
    const own = await gql.query(viewer, USER_POSTS, { r: [{ __typename: 'User', id: viewer }], first: 500 });
    expect(errorCodes(own)).toEqual(['FIRST_TOO_LARGE']);
    expect(errorCodes(await gql.query(viewer, POST, { id: 'not-an-id' }))).toEqual(['INVALID_ID']);
  });
});

describe('the gateway signature', () => {
  const body = { query: '{ __typename }' };
  const signed = (key: string, viewer: string | undefined) =>
    signViewer(key, viewer, { subgraph: 'posts', body: JSON.stringify(body), scope: 'request' });

  it('answers a signed request', async () => {
    expect(await gql.raw(signed(secret, 'someone'), body)).toMatchObject({
      status: 200,
      data: { __typename: 'Query' },
    });
    expect(await gql.raw(signed(secret, undefined), body)).toMatchObject({ status: 200 });
  });

  it('refuses unsigned, forged and foreign-signed requests with 401 UNAUTHENTICATED', async () => {
    const forged = { ...signed(secret, 'alice'), [VIEWER_HEADER]: 'mallory' };
    for (const headers of [{}, { [VIEWER_HEADER]: 'alice' }, forged, signed('some-other-secret-value', 'alice')]) {
      const answer = await gql.raw(headers, body);
      expect(answer.status).toBe(401);
      expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
      expect(answer.data).toBeUndefined();
    }
  });

  it('serves health and metrics', async () => {
    const base = server.opsUrl;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${base}/health/ready`)).json()).toMatchObject({ status: 'ready' });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('subgraph_unsigned_requests_total');
  });
});

describe('batching', () => {
  const FULL_FEED = `query($first: Int) { feed(first: $first) { edges { node {
    id caption loveCount commentCount viewerHasLoved createdAt author { id }
    comments(first: 2) { edges { node { id text author { id } } } }
  } } } }`;

  async function reader(authors: number): Promise<string> {
    const viewer = await fx.user();
    await fx.follow(viewer, await fx.user());
    for (let i = 0; i < authors; i++) {
      const author = await fx.user();
      await fx.connect(author, viewer, 'FRIEND', 'FRIEND');
      const post = await fx.post({ authorId: author, audience: 'FRIENDS', createdAt: new Date(Date.now() - i * 1000) });
      await fx.feedRow(viewer, { ...post, authorId: author });
      await fx.comment(post.id, author, 'first');
      await fx.comment(post.id, viewer, 'second');
      if (i % 2 === 0) await fx.love(post.id, viewer);
    }
    return viewer;
  }

  it('given 20 feed posts by 20 authors with comments, when read, then the store sees the same few round trips as for 5', async () => {
    const big = await reader(20);
    const small = await reader(5);

    counting.reset();
    const answer = await gql.query<{
      feed: { edges: Array<{ node: { comments: { edges: unknown[] }; viewerHasLoved: boolean } }> };
    }>(big, FULL_FEED, { first: 20 });
    const bigTrips = [...counting.statements];
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.feed.edges).toHaveLength(20);
    expect(answer.data!.feed.edges.every((e) => e.node.comments.edges.length === 2)).toBe(true);
    expect(answer.data!.feed.edges.filter((e) => e.node.viewerHasLoved)).toHaveLength(10);

    counting.reset();
    expect((await gql.query(small, FULL_FEED, { first: 20 })).errors).toBeUndefined();
    const smallTrips = [...counting.statements];

    // follows + pulled authors, timeline, posts, connections (viewer's side, authors' sides), loves, comments;
    // the viewer's follows are known from the first read
    expect(bigTrips.length).toBeLessThanOrEqual(8);
    expect(bigTrips.length).toBe(smallTrips.length);
  });

  it('given 20 post representations, when the gateway resolves them, then it costs a constant number of round trips', async () => {
    const viewer = await reader(20);
    const feed = await feedOf(viewer);
    counting.reset();
    const answer = await gql.query<{ _entities: unknown[] }>(
      viewer,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id viewerHasLoved author { id } } } }',
      { r: ids(feed).map((id) => ({ __typename: 'Post', id })) },
    );
    expect(answer.data!._entities.filter(Boolean)).toHaveLength(20);
    // posts, connections (the viewer's side, then the connected authors' sides), follows, loves
    expect(counting.statements).toHaveLength(5);
  });
  it('given one post asked for as 20 viewers in a viewer batch (a live fan-out), then each sees what its relation allows and the relations cost one read per table for all of them', async () => {
    const author = await fx.user();
    const friends = await Promise.all(Array.from({ length: 8 }, () => fx.user()));
    const acquaintances = await Promise.all(Array.from({ length: 6 }, () => fx.user()));
    const followers = await Promise.all(Array.from({ length: 6 }, () => fx.user()));
    for (const friend of friends) await fx.connect(author, friend, 'FRIEND', 'FRIEND');
    // Filed lower by the author than they file the author: the author's side decides.
    for (const acquaintance of acquaintances) await fx.connect(author, acquaintance, 'ACQUAINTANCE', 'CLOSE_FRIEND');
    for (const follower of followers) await fx.follow(follower, author);
    const post = await fx.post({ authorId: author, audience: 'FRIENDS' });
    const viewers = [...friends, ...acquaintances, ...followers];

    counting.reset();
    const operation = { query: 'query($id: ID!) { post(id: $id) { id } }', variables: { id: post.id } };
    const signedOperation = { subgraph: 'posts', body: viewerBatchOperation(operation) };
    const batch = JSON.stringify({
      ...operation,
      viewers: viewers.map((viewer, viewerIndex) => ({
        headers: signViewer(secret, viewer, { ...signedOperation, scope: { viewerIndex } }),
      })),
    });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [VIEWER_BATCH_HEADER]: '1',
        ...signViewer(secret, undefined, { subgraph: 'posts', body: batch, scope: 'batch' }),
      },
      body: batch,
    });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Array<{ data?: { post: { id: string } | null } }> };
    expect(results.map((r) => r.data?.post?.id ?? null)).toEqual(
      viewers.map((viewer) => (friends.includes(viewer) ? post.id : null)),
    );
    // The new post is read once for all of them, so their audience checks run, and read, together.
    expect(counting.statements.filter((cql) => /FROM posts WHERE id IN/.test(cql))).toHaveLength(1);
    const relationReads = counting.statements.filter((cql) => /FROM (connections|follows_by_\w+) /.test(cql));
    expect(relationReads).toEqual([
      expect.stringContaining('FROM connections WHERE user_id = ? AND other_id IN ?'),
      expect.stringContaining('FROM follows_by_followee WHERE followee_id = ? AND follower_id IN ?'),
    ]);
  });
});

describe('mutations', () => {
  let capture: TopicCapture;
  let author: string;
  let friend: string;
  let stranger: string;
  let friendsPost: string;

  beforeAll(async () => {
    capture = await startTopicCapture(kafka, commandsTopic);
    author = await fx.user();
    friend = await fx.user();
    stranger = await fx.user();
    await fx.connect(author, friend, 'FRIEND', 'FRIEND');
    friendsPost = (await fx.post({ authorId: author, audience: 'FRIENDS' })).id;
  });

  afterAll(async () => {
    await capture?.stop();
  });

  const commandsWithId = async (commandId: string) =>
    (await capture.settled())
      .map((record) => ({ record, command: fromBinary(PostCommandSchema, record.value) }))
      .filter(({ command }) => command.envelope?.commandId === commandId);

  const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) {
    commandId status reason { code message } clientMutationId post { id caption author { id } } } }`;

  it('given no writer, when a post is created, then one command goes to posts.commands keyed by post id and the answer is ACCEPTED after the wait', async () => {
    const clientMutationId = `cm-${randomUUID()}`;
    const started = Date.now();
    const answer = await gql.query<{
      createPost: { commandId: string; status: string; post: unknown; clientMutationId: string };
    }>(
      author,
      CREATE,
      {
        input: {
          kind: 'PHOTO',
          audience: 'FRIENDS',
          caption: 'Dunes',
          url: 'https://example.org/d.jpg',
          tags: ['#Sand'],
          clientMutationId,
        },
      },
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    );
    expect(answer.errors).toBeUndefined();
    const payload = answer.data!.createPost;
    expect(payload).toMatchObject({ status: 'ACCEPTED', post: null, clientMutationId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS);

    const published = await commandsWithId(payload.commandId);
    expect(published).toHaveLength(1);
    const { record, command } = published[0]!;
    const postId = createdIdFor(payload.commandId, 'post');
    expect(record.topic).toBe(commandsTopic);
    expect(record.key).toBe(postId);
    expect(command.envelope).toMatchObject({ commandId: payload.commandId, aggregateId: postId, actorId: author });
    expect(command.envelope?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(command.envelope?.occurredAt?.seconds).toBeGreaterThan(0n);
    expect(command.envelope?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(record.headers.traceparent).toBe(command.envelope?.traceparent);
    expect(command.command.case).toBe('createPost');
    expect(command.command.value).toMatchObject({
      postId,
      authorId: author,
      kind: ProtoPostKind.PHOTO,
      audience: ProtoAudience.FRIENDS,
      caption: 'Dunes',
      url: 'https://example.org/d.jpg',
      tags: ['sand'],
    });

    // The writer decides and writes; a resend with the same clientMutationId is answered from its record.
    await fx.outcome(payload.commandId, postId, 'APPLIED');
    await fx.post({ id: postId, authorId: author, audience: 'FRIENDS', kind: 'PHOTO', caption: 'Dunes' });
    const resend = await gql.query<{ createPost: { commandId: string; status: string; post: { id: string } } }>(
      author,
      CREATE,
      {
        input: {
          kind: 'PHOTO',
          audience: 'FRIENDS',
          caption: 'Dunes',
          url: 'https://example.org/d.jpg',
          tags: ['#Sand'],
          clientMutationId,
        },
      },
    );
    expect(resend.data!.createPost).toMatchObject({
      commandId: payload.commandId,
      status: 'APPLIED',
      post: { id: postId, caption: 'Dunes', author: { id: author } },
    });
    expect(await commandsWithId(payload.commandId)).toHaveLength(1);
  });

  it('given a rejection on record, when the command is sent, then it answers REJECTED with the reason and publishes nothing', async () => {
    const clientMutationId = `cm-${randomUUID()}`;
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: friend,
      mutation: 'lovePost',
      idempotencyKey: clientMutationId,
      scope: [friendsPost],
    });
    await fx.outcome(commandId, friendsPost, 'REJECTED', {
      code: 'ALREADY_LOVED',
      message: 'You already love this post.',
    });
    const answer = await gql.query<{ lovePost: unknown }>(
      friend,
      'mutation($id: ID!, $c: String) { lovePost(postId: $id, clientMutationId: $c) { commandId status reason { code message } post { id } } }',
      { id: friendsPost, c: clientMutationId },
    );
    expect(answer.data!.lovePost).toEqual({
      commandId,
      status: 'REJECTED',
      reason: { code: 'ALREADY_LOVED', message: 'You already love this post.' },
      post: null,
    });
    expect(await commandsWithId(commandId)).toHaveLength(0);
  });

  it('given an APPLIED comment, when answered, then the payload holds the comment; the Idempotency-Key header makes the same command', async () => {
    const key = `idem-${randomUUID()}`;
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: friend,
      mutation: 'commentOnPost',
      idempotencyKey: key,
      scope: [friendsPost],
    });
    const commentId = createdIdFor(commandId, 'comment');
    await fx.outcome(commandId, friendsPost, 'APPLIED');
    await client.execute(
      'INSERT INTO comments (id, post_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)',
      [commentId, friendsPost, friend, 'Lovely', new Date()],
      { prepare: true },
    );
    const answer = await gql.query<{ commentOnPost: unknown }>(
      friend,
      'mutation($id: ID!) { commentOnPost(postId: $id, text: "Lovely") { commandId status comment { id text author { id } } } }',
      { id: friendsPost },
      { 'idempotency-key': key },
    );
    expect(answer.data!.commentOnPost).toEqual({
      commandId,
      status: 'APPLIED',
      comment: { id: commentId, text: 'Lovely', author: { id: friend } },
    });
  });

  it('refuses what the viewer may not do, with coded errors and nothing published', async () => {
    const noProfile = `no-profile-${randomUUID()}`;
    const ours = async () =>
      (await capture.settled()).filter((record) => {
        const actor = fromBinary(PostCommandSchema, record.value).envelope?.actorId;
        return actor === stranger || actor === noProfile || actor === friend;
      }).length;
    const before = await ours();
    const LOVE = 'mutation($id: ID!) { lovePost(postId: $id) { status } }';
    const COMMENT = 'mutation($id: ID!) { commentOnPost(postId: $id, text: "hi") { status } }';
    const DELETE = 'mutation($id: ID!) { deletePost(id: $id) { status } }';
    // Invisible and missing posts look the same.
    expect(errorCodes(await gql.query(stranger, LOVE, { id: friendsPost }))).toEqual(['POST_NOT_FOUND']);
    expect(errorCodes(await gql.query(stranger, LOVE, { id: randomUUID() }))).toEqual(['POST_NOT_FOUND']);
    expect(errorCodes(await gql.query(stranger, COMMENT, { id: friendsPost }))).toEqual(['POST_NOT_FOUND']);
    expect(errorCodes(await gql.query(stranger, DELETE, { id: friendsPost }))).toEqual(['POST_NOT_FOUND']);
    expect(errorCodes(await gql.query(friend, DELETE, { id: friendsPost }))).toEqual(['NOT_POST_AUTHOR']);
    expect(errorCodes(await gql.query(friend, LOVE, { id: 'nope' }))).toEqual(['INVALID_ID']);
    expect(errorCodes(await gql.query(undefined, LOVE, { id: friendsPost }))).toEqual(['UNAUTHENTICATED']);
    const text = { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: 'hello' } };
    expect(errorCodes(await gql.query(noProfile, CREATE, text))).toEqual(['PROFILE_REQUIRED']);
    expect(errorCodes(await gql.query(author, CREATE, { input: { kind: 'TEXT', audience: 'FOLLOWERS' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      errorCodes(await gql.query(author, CREATE, { input: { kind: 'TEXT', audience: 'EVERYONE', caption: 'x' } })),
    ).toEqual(['BAD_USER_INPUT']);
    expect((await ours()) - before).toBe(0);
  });
});
