import { randomUUID } from 'node:crypto';

import type { Audience, ConnectionLevel } from '@verograph/domain';
import { createKafka, createProducer } from '@verograph/messaging';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { lazyProducer } from '@verograph/subgraph-kit';
import cassandra from 'cassandra-driver';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cassandraSignIn } from '@verograph/stack/testing';

import { startCollectionsSubgraph } from '../collectionsSubgraph.ts';
import {
  askAs,
  codes,
  freshPostgresSchema,
  run,
  silentLogger,
  TEST_SECRET,
  type TestSchema,
} from '../testing/testEngines.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

/**
 * The read side over a real PostgreSQL read model: rows are seeded as the collections
 * projector would write them, and the subgraph is asked over HTTP as the gateway asks it.
 */
describe('collections subgraph reads', () => {
  let db: TestSchema;
  let server: SubgraphServer;
  let cql: cassandra.Client;
  let producer: ReturnType<typeof lazyProducer>;

  const user = (name: string) => `${name}-${run}`;
  const author = user('author');
  const closeFriend = user('closefriend');
  const friend = user('friend');
  const acquaintance = user('acquaintance');
  const follower = user('follower');
  const stranger = user('stranger');
  const curator = user('curator');

  const post = {
    followers: randomUUID(),
    closeFriends: randomUUID(),
    deleted: randomUUID(),
    acquaintances: randomUUID(),
    unprojected: randomUUID(),
    friends: randomUUID(),
    curatorsOwn: randomUUID(),
  };
  const shelf = randomUUID();
  const curated = randomUUID();
  const empty = randomUUID();

  const insertPost = (id: string, authorId: string, audience: Audience, deleted = false) =>
    db.pool.query('INSERT INTO post_audiences (post_id, author_id, audience, deleted) VALUES ($1, $2, $3, $4)', [
      id,
      authorId,
      audience,
      deleted,
    ]);
  const grant = (authorId: string, viewerId: string, level: ConnectionLevel | null, follows = false) =>
    db.pool.query(
      `INSERT INTO audience_grants (author_id, viewer_id, follows, level) VALUES ($1, $2, $3, $4)
       ON CONFLICT (author_id, viewer_id) DO UPDATE SET follows = EXCLUDED.follows, level = EXCLUDED.level`,
      [authorId, viewerId, follows, level],
    );
  const insertCollection = (id: string, ownerId: string, title: string, createdAt: string) =>
    db.pool.query(
      `INSERT INTO collections (id, owner_id, title, description, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)`,
      [id, ownerId, title, `about ${title}`, createdAt],
    );
  const insertItems = async (collectionId: string, postIds: readonly string[]) => {
    for (const [i, postId] of postIds.entries()) {
      await db.pool.query(
        'INSERT INTO collection_items (collection_id, post_id, position, added_at) VALUES ($1, $2, $3, now())',
        [collectionId, postId, i + 1],
      );
    }
  };

  beforeAll(async () => {
    db = await freshPostgresSchema('collection_reads');
    await insertPost(post.followers, author, 'FOLLOWERS');
    await insertPost(post.closeFriends, author, 'CLOSE_FRIENDS');
    await insertPost(post.deleted, author, 'FOLLOWERS', true);
    await insertPost(post.acquaintances, author, 'ACQUAINTANCES');
    await insertPost(post.friends, author, 'FRIENDS');
    await insertPost(post.curatorsOwn, curator, 'CLOSE_FRIENDS');
    await grant(author, closeFriend, 'CLOSE_FRIEND');
    await grant(author, friend, 'FRIEND', true);
    await grant(author, acquaintance, 'ACQUAINTANCE');
    await grant(author, follower, null, true);
    await grant(author, curator, null, true);
    await insertCollection(shelf, author, 'Shelf', '2026-01-01T10:00:00.000001Z');
    // The owner's order, with a deleted post and one the projector has not seen among them.
    await insertItems(shelf, [
      post.followers,
      post.closeFriends,
      post.deleted,
      post.acquaintances,
      post.unprojected,
      post.friends,
    ]);
    await insertCollection(curated, curator, 'Curated', '2026-01-02T10:00:00Z');
    await insertItems(curated, [post.closeFriends, post.curatorsOwn, post.followers]);
    await insertCollection(empty, author, 'Empty', '2026-01-01T10:00:00.000002Z');

    cql = new cassandra.Client({
      contactPoints: [`127.0.0.1:${process.env.CASSANDRA_PORT ?? 9042}`],
      localDataCenter: 'datacenter1',
      authProvider: cassandraSignIn(),
    });
    producer = lazyProducer(
      () => createProducer(createKafka(`collections-reads-${run}`, [`127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`])),
      silentLogger,
    );
    server = await startCollectionsSubgraph({
      postgres: db.pool,
      cassandra: cql,
      producer,
      logger: silentLogger,
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret: TEST_SECRET,
      mutationWaitMs: 0,
      idSecret: ID_SECRET,
    });
  });

  afterAll(async () => {
    await server?.close();
    await producer?.disconnect();
    await cql?.shutdown();
    await db?.drop();
  });

  const COLLECTION = `query ($id: ID!, $first: Int, $after: String) {
    collection(id: $id) {
      id title description createdAt updatedAt owner { id } postCount
      posts(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }
  }`;

  interface CollectionAnswer {
    collection: {
      id: string;
      title: string;
      description: string;
      createdAt: string;
      owner: { id: string };
      postCount: number;
      posts: {
        edges: Array<{ cursor: string; node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } | null;
  }

  const shelfAs = (viewerId: string | undefined, variables: Record<string, unknown> = {}) =>
    askAs<CollectionAnswer>(server.url, viewerId, COLLECTION, { id: shelf, ...variables });

  const everyone: Array<[string, string | undefined, string[]]> = [
    ['the author (its owner)', author, [post.followers, post.closeFriends, post.acquaintances, post.friends]],
    ['a close friend', closeFriend, [post.followers, post.closeFriends, post.acquaintances, post.friends]],
    ['a friend who also follows', friend, [post.followers, post.acquaintances, post.friends]],
    ['an acquaintance', acquaintance, [post.followers, post.acquaintances]],
    ['a follower', follower, [post.followers]],
    ['a stranger', stranger, []],
    ['an anonymous viewer', undefined, []],
  ];

  for (const [who, viewerId, expected] of everyone) {
    it(`given ${who}, when the collection is read, then posts and postCount show exactly what they may see`, async () => {
      const answer = await shelfAs(viewerId);
      expect(answer.errors).toBeUndefined();
      const collection = answer.data!.collection!;
      expect(collection).toMatchObject({
        id: shelf,
        title: 'Shelf',
        description: 'about Shelf',
        owner: { id: author },
        createdAt: '2026-01-01T10:00:00.000Z',
      });
      expect(collection.posts.edges.map((e) => e.node.id)).toEqual(expected);
      expect(collection.postCount).toBe(expected.length);
      expect(collection.posts.pageInfo.hasNextPage).toBe(false);
    });
  }

  it('given a curator, when their collection is read, then each author’s rule applies, not the owner’s', async () => {
    const asCurator = await askAs<CollectionAnswer>(server.url, curator, COLLECTION, { id: curated });
    expect(asCurator.data!.collection!.posts.edges.map((e) => e.node.id)).toEqual([post.curatorsOwn, post.followers]);
    const asAuthor = await askAs<CollectionAnswer>(server.url, author, COLLECTION, { id: curated });
    expect(asAuthor.data!.collection!.posts.edges.map((e) => e.node.id)).toEqual([post.closeFriends, post.followers]);
    expect(asAuthor.data!.collection!.postCount).toBe(2);
  });

  it('given a friend refiled as an acquaintance, when read again, then the change shows at once', async () => {
    const viewer = user('refiled');
    await grant(author, viewer, 'FRIEND');
    expect((await shelfAs(viewer)).data!.collection!.postCount).toBe(3);
    await grant(author, viewer, 'ACQUAINTANCE');
    const after = (await shelfAs(viewer)).data!.collection!;
    expect(after.posts.edges.map((e) => e.node.id)).toEqual([post.followers, post.acquaintances]);
    expect(after.postCount).toBe(2);
  });

  it('given pages of one, when a friend walks them, then hidden items are skipped and cursors resume exactly', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const answer = await shelfAs(friend, { first: 1, after });
      const posts = answer.data!.collection!.posts;
      seen.push(...posts.edges.map((e) => e.node.id));
      expect(posts.pageInfo.endCursor).toBe(posts.edges.at(-1)?.cursor ?? null);
      if (!posts.pageInfo.hasNextPage) break;
      after = posts.pageInfo.endCursor;
    }
    expect(seen).toEqual([post.followers, post.acquaintances, post.friends]);
  });

  it('given pages of two, when the author walks them, then the second page starts after the first', async () => {
    const first = (await shelfAs(author, { first: 2 })).data!.collection!.posts;
    expect(first.edges.map((e) => e.node.id)).toEqual([post.followers, post.closeFriends]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await shelfAs(author, { first: 2, after: first.pageInfo.endCursor })).data!.collection!.posts;
    expect(second.edges.map((e) => e.node.id)).toEqual([post.acquaintances, post.friends]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('given first above the cap or a forged cursor, when asked, then FIRST_TOO_LARGE or INVALID_CURSOR', async () => {
    expect(codes(await shelfAs(author, { first: 101 }))).toEqual(['FIRST_TOO_LARGE']);
    expect(codes(await shelfAs(author, { after: 'not-a-cursor' }))).toEqual(['INVALID_CURSOR']);
  });

  it('given an unknown or malformed id, when asked, then null or INVALID_ID', async () => {
    const unknown = await askAs<CollectionAnswer>(server.url, author, COLLECTION, { id: randomUUID() });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.collection).toBeNull();
    expect(codes(await askAs(server.url, author, COLLECTION, { id: 'nope' }))).toEqual(['INVALID_ID']);
  });

  it('given collection references, when the gateway resolves them, then they come back in order with counts', async () => {
    const answer = await askAs<{ _entities: Array<{ id: string; title: string; postCount: number } | null> }>(
      server.url,
      follower,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Collection { id title postCount } } }`,
      {
        r: [
          { __typename: 'Collection', id: curated },
          { __typename: 'Collection', id: 'malformed' },
          { __typename: 'Collection', id: shelf },
        ],
      },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!._entities).toEqual([
      { id: curated, title: 'Curated', postCount: 1 },
      null,
      { id: shelf, title: 'Shelf', postCount: 1 },
    ]);
  });

  it('given a user, when their collections are paged, then newest first with keyset cursors, to anyone', async () => {
    const owner = user('pager');
    // Two share a millisecond: the microseconds and then the id keep their order stable.
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await insertCollection(ids[0]!, owner, 'oldest', '2026-02-01T00:00:00.000100Z');
    await insertCollection(ids[1]!, owner, 'same ms, earlier', '2026-02-02T00:00:00.000100Z');
    await insertCollection(ids[2]!, owner, 'same ms, later', '2026-02-02T00:00:00.000900Z');
    await insertCollection(ids[3]!, owner, 'newest', '2026-02-03T00:00:00Z');
    const QUERY = `query ($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on User {
      collections(first: 3, after: $after) { edges { cursor node { id title owner { id } } } pageInfo { hasNextPage endCursor } }
    } } }`;
    type Page = {
      _entities: Array<{
        collections: {
          edges: Array<{ node: { id: string; title: string; owner: { id: string } } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }>;
    };
    const first = await askAs<Page>(server.url, undefined, QUERY, { r: [{ __typename: 'User', id: owner }] });
    expect(first.errors).toBeUndefined();
    const page1 = first.data!._entities[0]!.collections;
    expect(page1.edges.map((e) => e.node.title)).toEqual(['newest', 'same ms, later', 'same ms, earlier']);
    expect(page1.edges.every((e) => e.node.owner.id === owner)).toBe(true);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await askAs<Page>(server.url, undefined, QUERY, {
      r: [{ __typename: 'User', id: owner }],
      after: page1.pageInfo.endCursor,
    });
    const page2 = second.data!._entities[0]!.collections;
    expect(page2.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('given a request without a valid gateway signature, when sent, then 401 before any resolver runs', async () => {
    const unsigned = await askAs(server.url, author, COLLECTION, { id: shelf }, { signed: false });
    expect(unsigned.status).toBe(401);
    expect(codes(unsigned)).toEqual(['UNAUTHENTICATED']);
    const forged = await askAs(server.url, author, COLLECTION, { id: shelf }, { secret: 'someone-elses-secret-key' });
    expect(forged.status).toBe(401);
    expect(forged.data).toBeUndefined();
  });

  it('given the store answers, when health is asked, then live and ready', async () => {
    const base = server.opsUrl;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
  });
});
