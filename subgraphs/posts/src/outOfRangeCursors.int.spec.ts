import { randomUUID } from 'node:crypto';

import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { encodeCursor } from '@verograph/subgraph-kit';
import {
  errorCodes,
  type GraphQLAnswer,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
  type SignedGraphQLClient,
} from '@verograph/subgraph-kit/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPostsSubgraph } from './postsSubgraph.ts';

/**
 * Issue 12, item 8: a cursor whose time no list ever gave out (past year 9999, past what a
 * JavaScript Date can hold, negative, fractional, a float the size of 1e300) reached the
 * Cassandra query and came back as an internal error. Each is INVALID_CURSOR on every
 * time-keyed list: the feed, User.posts and Post.comments.
 */
describe('posts subgraph: out-of-range cursors', () => {
  const secret = `posts-cursor-secret-${randomUUID()}`;
  let cql: Awaited<ReturnType<typeof localCassandra>>;
  let producer: MessageProducer;
  let server: SubgraphServer;
  let gql: SignedGraphQLClient;
  let author: string;
  let postId: string;

  beforeAll(async () => {
    cql = await localCassandra('posts-cursor-int');
    producer = await createProducer(createKafka('posts-cursor-int', engineAddresses().kafkaBrokers));
    server = await startPostsSubgraph({
      cassandra: cql,
      producer,
      logger: createLogger('posts-cursor-int', 'silent'),
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret: secret,
      idSecret: `ids-${randomUUID()}`,
      mutationWaitMs: 100,
      commandsTopic: `unused-${randomUUID()}`,
    });
    gql = signedGraphQLClient(server.url, secret, 'posts');
    const fx = readModelFixtures(cql);
    author = await fx.user();
    ({ id: postId } = await fx.post({ authorId: author, audience: 'FOLLOWERS' }));
    await fx.comment(postId, author, 'first');
  });

  afterAll(async () => {
    await server?.close();
    await producer?.disconnect();
    await cql?.shutdown();
  });

  const id = randomUUID();
  const outOfRange: Array<[string, unknown]> = [
    ['the first moment of year 10000', Date.UTC(10000, 0, 1)],
    ['one past the largest Date', 8_640_000_000_000_001],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['a negative time', -1],
    ['a fractional time', 1.5],
    ['1e300', 1e300],
    ['a time given as a string', 'NaN'],
  ];

  const paths: Array<[string, (after: string) => Promise<GraphQLAnswer<unknown>>]> = [
    [
      'the feed',
      (after) => gql.query(author, 'query($a: String) { feed(after: $a) { edges { cursor } } }', { a: after }),
    ],
    [
      'User.posts',
      (after) =>
        gql.query(
          author,
          'query($r: [_Any!]!, $a: String) { _entities(representations: $r) { ... on User { posts(after: $a) { edges { cursor } } } } }',
          { r: [{ __typename: 'User', id: author }], a: after },
        ),
    ],
    [
      'Post.comments',
      (after) =>
        gql.query(author, 'query($p: ID!, $a: String) { post(id: $p) { comments(after: $a) { edges { cursor } } } }', {
          p: postId,
          a: after,
        }),
    ],
  ];

  for (const [list, ask] of paths) {
    it(`given a cursor with an out-of-range time, when ${list} is paged, then INVALID_CURSOR`, async () => {
      const answered: Record<string, unknown[]> = {};
      for (const [what, t] of outOfRange) answered[what] = errorCodes(await ask(encodeCursor({ t, id })));
      expect(answered).toEqual(Object.fromEntries(outOfRange.map(([what]) => [what, ['INVALID_CURSOR']])));
    });

    it(`given a cursor at the last millisecond of year 9999, when ${list} is paged, then an ordinary page`, async () => {
      const lastOfYear9999 = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
      expect(errorCodes(await ask(encodeCursor({ t: lastOfYear9999, id })))).toEqual([]);
    });
  }
});
