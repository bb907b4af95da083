import { createLogger } from '@verograph/service';
import type { CqlClient, SubgraphServer } from '@verograph/subgraph-kit';
import { localCassandra, readModelFixtures, signedGraphQLClient } from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { startPostsSubgraph } from './postsSubgraph.ts';

const HOME_FEED = `query($first: Int, $after: String) { feed(first: $first, after: $after) {
  edges { cursor node { id kind audience caption url tags createdAt loveCount commentCount viewerHasLoved
    author { __typename id } } }
  pageInfo { hasNextPage endCursor } } }`;

let client: cassandra.Client;
const servers: SubgraphServer[] = [];
let viewer: string;

/** Answers each statement it saw once from memory: both executors see the very same rows. */
function memo(real: CqlClient): CqlClient {
  const seen = new Map<string, Promise<cassandra.types.ResultSet>>();
  return {
    execute(query, params, options) {
      const key = `${query}|${JSON.stringify(params)}`;
      let answer = seen.get(key);
      if (answer === undefined) seen.set(key, (answer = real.execute(query, params, options)));
      return answer;
    },
  };
}

async function start(executor: 'graphql-js' | 'jit') {
  const server = await startPostsSubgraph({
    cassandra: memo(client),
    producer: { send: async () => {}, disconnect: async () => {} },
    logger: createLogger('jit-probe', 'silent'),
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: 'probe',
    mutationWaitMs: 100,
    idSecret: 'probe-ids',
    commandsTopic: 'unused',
    executor,
  });
  servers.push(server);
  return signedGraphQLClient(server.url, 'probe', 'posts');
}

beforeAll(async () => {
  client = await localCassandra('posts-jit-probe');
  const fx = readModelFixtures(client);
  viewer = await fx.user();
  const now = Date.now();
  for (let a = 0; a < 10; a++) {
    const author = await fx.user();
    await fx.follow(viewer, author);
    for (let i = 0; i < 3; i++) {
      const post = await fx.post({
        authorId: author,
        audience: 'FOLLOWERS',
        createdAt: new Date(now - (a * 3 + i) * 1000),
      });
      await fx.feedRow(viewer, { ...post, authorId: author });
      if (i === 0) await fx.love(post.id, viewer);
    }
  }
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  await client?.shutdown();
});

it('graphql-jit answers as graphql-js does: a feed page, an entity batch, a refusal and a bad variable', async () => {
  const js = await start('graphql-js');
  const jit = await start('jit');
  const feed = await js.query<{ feed: { edges: Array<{ node: { id: string } }> } }>(viewer, HOME_FEED, { first: 20 });
  expect(feed.data!.feed.edges).toHaveLength(20);
  const ids = feed.data!.feed.edges.map((e) => ({ __typename: 'Post', id: e.node.id }));
  const asks: Array<[string | undefined, string, Record<string, unknown>]> = [
    [viewer, HOME_FEED, { first: 20 }],
    [viewer, HOME_FEED, { first: 5, after: 'junk' }],
    [undefined, HOME_FEED, { first: 20 }],
    [viewer, HOME_FEED, { first: 'many' }],
    [
      viewer,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id caption viewerHasLoved } } }',
      { r: ids },
    ],
  ];
  for (const [who, query, variables] of asks) {
    expect(await jit.query(who, query, variables)).toEqual(await js.query(who, query, variables));
  }
});
