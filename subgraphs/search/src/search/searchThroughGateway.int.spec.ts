import { randomUUID } from 'node:crypto';

import { mintToken } from '@verograph/gateway';
import {
  codesOf,
  JWT_SECRET,
  postGraphQL,
  SIGNING_SECRET,
  startTestGateway,
  type TestGateway,
} from '@verograph/gateway/testing';
import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { startPostsSubgraph, postsTypeDefs } from '@verograph/posts-subgraph';
import { engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { localCassandra, readModelFixtures, type ReadModelFixtures } from '@verograph/subgraph-kit/testing';
import { startUsersSubgraph, usersTypeDefs } from '@verograph/users-subgraph';
import { print } from 'graphql';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { searchTypeDefs, startSearchSubgraph } from '../searchSubgraph.ts';
import { createElasticsearchClient } from '../store/elasticsearch.ts';
import { closedPort, freshIndices, run, silentLogger, type TestIndices } from '../testing/testEngines.ts';

/**
 * Issue 12, item 6, as a client meets it: the real gateway over the real users, posts and
 * search subgraphs. An id-only selection is planned to the search subgraph alone (the posts
 * subgraph is never asked), so the read-time audience check must happen there.
 */
describe('search through the gateway', () => {
  let es: TestIndices;
  let cql: Awaited<ReturnType<typeof localCassandra>>;
  let fx: ReadModelFixtures;
  let producer: MessageProducer;
  const servers: SubgraphServer[] = [];
  let gateway: TestGateway;
  let esDownGateway: TestGateway;
  let esDown: ReturnType<typeof createElasticsearchClient>;

  const word = `lagword${run}`;
  let alice: string;
  let demoted: string;
  const closeFriendsPost = randomUUID();
  const followersPost = randomUUID();

  const start = async (elasticsearch = es.client) => {
    const common = { logger: silentLogger, port: 0, host: '127.0.0.1', signingSecret: SIGNING_SECRET };
    // Commands go nowhere a writer reads: these specs only read.
    const writes = {
      cassandra: cql,
      producer,
      mutationWaitMs: 100,
      commandsTopic: `unused-${run}`,
      idSecret: `ids-${run}`,
    };
    const users = await startUsersSubgraph({ ...common, ...writes, metrics: new Registry() });
    const posts = await startPostsSubgraph({ ...common, ...writes, metrics: new Registry() });
    const search = await startSearchSubgraph({
      ...common,
      metrics: new Registry(),
      elasticsearch,
      cassandra: cql,
      indices: es.indices,
    });
    servers.push(users, posts, search);
    return startTestGateway({
      subgraphs: [
        { name: 'users', url: users.url, typeDefs: print(usersTypeDefs) },
        { name: 'posts', url: posts.url, typeDefs: print(postsTypeDefs) },
        { name: 'search', url: search.url, typeDefs: print(searchTypeDefs) },
      ],
    });
  };

  beforeAll(async () => {
    es = await freshIndices('search-gw');
    cql = await localCassandra('search-gateway-int');
    fx = readModelFixtures(cql);
    producer = await createProducer(createKafka('search-gateway-int', engineAddresses().kafkaBrokers));
    alice = await fx.user();
    demoted = await fx.user();
    await fx.connect(alice, demoted, 'CLOSE_FRIEND', 'FRIEND');
    for (const [id, audience] of [
      [closeFriendsPost, 'CLOSE_FRIENDS'],
      [followersPost, 'FOLLOWERS'],
    ] as const) {
      await fx.post({ id, authorId: alice, audience, caption: `${audience} ${word}` });
    }
    await es.seed(
      'posts',
      [
        { id: closeFriendsPost, author_id: alice, kind: 'TEXT', audience: 'CLOSE_FRIENDS', caption: `cf ${word}` },
        { id: followersPost, author_id: alice, kind: 'TEXT', audience: 'FOLLOWERS', caption: `all ${word}` },
      ].map((doc) => ({ ...doc, tags: [], created_at: new Date().toISOString(), deleted: false })),
    );
    // The audiences doc as the projector wrote it before the demotion.
    await es.seed('audiences', [
      { id: demoted, follows: [], connected: [alice], friend_of: [alice], close_friend_of: [alice] },
    ]);
    gateway = await start();
    esDown = createElasticsearchClient({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 1_000 });
    esDownGateway = await start(esDown);
  });

  afterAll(async () => {
    await gateway?.stop();
    await esDownGateway?.stop();
    await Promise.all(servers.map((server) => server.close()));
    await producer?.disconnect();
    await esDown?.close();
    await es?.drop();
    await cql?.shutdown();
  });

  const ask = async (url: string, viewerId: string, query: string) =>
    postGraphQL(url, { query }, { authorization: `Bearer ${await mintToken(JWT_SECRET, viewerId)}` });
  const postIdsOf = (body: { data?: Record<string, unknown> | null }) =>
    ((body.data?.search as { edges: Array<{ node: { __typename: string; id?: string } }> }).edges ?? [])
      .filter((edge) => edge.node.__typename === 'Post')
      .map((edge) => edge.node.id);

  it('given a close friend demoted while the search projector lags, when they search for post ids only, then the post is not listed', async () => {
    const idsOnly = `{ search(query: "${word}") { edges { node { __typename ... on Post { id } } } } }`;
    const before = await ask(gateway.graphqlUrl, demoted, idsOnly);
    expect(before.body.errors).toBeUndefined();
    expect(postIdsOf(before.body).sort()).toEqual([closeFriendsPost, followersPost].sort());

    await fx.setLevel(alice, demoted, 'ACQUAINTANCE');

    const after = await ask(gateway.graphqlUrl, demoted, idsOnly);
    expect(after.body).toEqual({ data: { search: { edges: [{ node: { __typename: 'Post', id: followersPost } }] } } });
    const withCaption = await ask(
      gateway.graphqlUrl,
      demoted,
      `{ search(query: "${word}") { edges { node { __typename ... on Post { id caption } } } } }`,
    );
    expect(withCaption.body.errors).toBeUndefined();
    expect(postIdsOf(withCaption.body)).toEqual([followersPost]);
  });

  it('given Elasticsearch down, when a query asks for me and search, then me is answered and search is null', async () => {
    const response = await ask(
      esDownGateway.graphqlUrl,
      alice,
      `{ me { id } search(query: "${word}") { edges { node { __typename } } } }`,
    );
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ me: { id: alice }, search: null });
    expect(codesOf(response)).toEqual(['STORE_UNAVAILABLE']);
  });
});
