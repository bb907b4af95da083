/**
 * Differential: every registered query (schema/operations) runs through Apollo's executor and
 * ours over the real subgraphs (users, posts, collections, search, insights as their own processes on the
 * shared engines), as several viewers, with generated variations: other variables, @include and
 * @skip on every nested field, missing entities, and a subgraph that is down. The client must
 * receive the same response from both. Mutations run once in the conformance spec: run twice
 * here they would publish two commands.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createLogger } from '@verograph/service';
import { continueTrace } from '@verograph/messaging';
import { repoRoot, startServices, stopServices, type RunningService } from '@verograph/stack';
import { localCassandra, readModelFixtures } from '@verograph/subgraph-kit/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SUBGRAPH_SIGNING_SECRET } from '../config.ts';
import { createGatewayMetrics } from '../observability/gatewayMetrics.ts';
import { createSubgraphDataSource } from '../subgraphs/subgraphDataSource.ts';
import { createSubgraphHttpClient } from '../subgraphs/subgraphHttpClient.ts';
import { pairOver, runBoth, type ExecutorPair } from './testing/executorPair.ts';
import { withConditionalFields } from './testing/operationVariants.ts';

const subgraphNames = ['users', 'posts', 'collections', 'search', 'insights'] as const;
const operations = readdirSync(join(repoRoot, 'schema/operations'))
  .filter((file) => file.endsWith('.graphql') && !file.endsWith('.live.graphql'))
  .map((file) => ({
    name: file.replace('.graphql', ''),
    text: readFileSync(join(repoRoot, 'schema/operations', file), 'utf8'),
  }))
  .filter(({ text }) => /^\s*query\b/m.test(text.replace(/^#.*$/gm, '')));

interface World {
  readonly author: string;
  readonly authorName: string;
  readonly follower: string;
  readonly stranger: string;
  readonly posts: readonly string[];
}

/** Variables to try for each registered query, from the seeded world. */
function variableSets(operation: string, w: World): Record<string, unknown>[] {
  switch (operation) {
    case 'CollectionPage':
      return [{ id: 'c-missing' }, { id: 'c-missing', first: 1 }];
    case 'ConnectionRequests':
      return [{ direction: 'INCOMING' }, { direction: 'OUTGOING', first: 1 }];
    case 'Followers':
    case 'Following':
      return [{ userId: w.author }, { userId: w.follower, first: 1 }, { userId: 'u-missing' }];
    case 'HomeFeed':
    case 'Notifications':
      return [{}, { first: 2 }];
    case 'MyConnections':
      return [{}, { level: 'FRIEND', first: 1 }];
    case 'PostInsights':
      return [...w.posts.map((id) => ({ id })), { id: 'p-missing' }];
    case 'TrendingTags':
      return [{ window: 'HOUR' }, { window: 'DAY', first: 1 }];
    case 'PostPage':
      return [...w.posts.map((id) => ({ id })), { id: w.posts[0], commentsFirst: 1 }, { id: 'p-missing' }];
    case 'ProfilePage':
      return [
        { username: w.authorName },
        { username: w.authorName, first: 1, kind: 'PHOTO' },
        { username: 'nobody_here' },
      ];
    case 'Search':
      return [{ query: 'differential' }, { query: 'zzzz-nothing', first: 1 }];
    case 'UserCard':
      return [{ id: w.author }, { id: 'u-missing' }];
    default:
      return [{}];
  }
}

describe('own executor against Apollo’s over the real subgraphs', () => {
  let running: RunningService[] = [];
  let pair: ExecutorPair;
  let world: World;
  const http = createSubgraphHttpClient();

  beforeAll(async () => {
    const client = await localCassandra('executor-differential');
    const seed = readModelFixtures(client);
    const author = await seed.user({ bio: 'writes the differential test' });
    const follower = await seed.user();
    const stranger = await seed.user();
    await seed.follow(follower, author);
    await seed.connect(author, follower, 'FRIEND', 'ACQUAINTANCE');
    await seed.counts(author, { followers: 1, following: 0, connections: 1 });
    const posts: string[] = [];
    for (const audience of ['FOLLOWERS', 'FRIENDS', 'CLOSE_FRIENDS'] as const) {
      const post = await seed.post({ authorId: author, audience, caption: `differential ${audience}`, tags: ['diff'] });
      posts.push(post.id);
      await seed.feedRow(follower, { ...post, authorId: author });
    }
    await seed.comment(posts[0]!, follower, 'first!');
    await seed.love(posts[0]!, follower);
    const authorRow = await client.execute('SELECT username FROM users WHERE id = ?', [author], { prepare: true });
    world = { author, authorName: String(authorRow.first()?.get('username')), follower, stranger, posts };
    await client.shutdown();

    const base = 21_000 + Math.floor(Math.random() * 400) * 20;
    const ports = Object.fromEntries(subgraphNames.map((name, i) => [name, base + i]));
    running = await startServices({
      only: [...subgraphNames],
      ports,
      env: { LOG_LEVEL: 'warn' },
      output: () => undefined,
      readyTimeoutMs: 180_000,
    });
    const metrics = createGatewayMetrics(new Registry());
    const logger = createLogger('executor-differential', 'silent');
    const sources = new Map(
      running.map((service) => [
        service.definition.name,
        createSubgraphDataSource({
          name: service.definition.name,
          url: `${service.url}/graphql`,
          signingSecret: LOCAL_SUBGRAPH_SIGNING_SECRET,
          timeoutMs: 5000,
          metrics,
          logger,
          http,
        }),
      ]),
    );
    pair = await pairOver(readFileSync(join(repoRoot, 'schema/supergraph.graphql'), 'utf8'), sources);
  }, 240_000);

  afterAll(async () => {
    await pair?.stop();
    await stopServices(running);
    http.close();
  });

  const viewers = (w: World) => [undefined, w.author, w.follower, w.stranger];
  const contextOf = (viewerId: string | undefined) => () => ({
    viewerId,
    trace: continueTrace(undefined),
    idempotencyKey: undefined,
  });

  it('finds registered queries to run', () => {
    expect(operations.map((o) => o.name)).toEqual(
      expect.arrayContaining(['HomeFeed', 'PostPage', 'ProfilePage', 'Search']),
    );
  });

  for (const operation of operations) {
    it(`${operation.name}: the same response for every viewer and variation`, async () => {
      const variants = [{ text: operation.text, extra: [{}] }, withConditionalFields(operation.text)];
      let compared = 0;
      let seeded = 0;
      for (const viewerId of viewers(world)) {
        for (const variables of variableSets(operation.name, world)) {
          for (const variant of variants) {
            for (const extra of variant.extra) {
              const { apollo, own } = await runBoth(
                pair,
                variant.text,
                { ...variables, ...extra },
                operation.name,
                contextOf(viewerId),
              );
              expect(
                own,
                `${operation.name} as ${viewerId ?? 'anonymous'} with ${JSON.stringify({ ...variables, ...extra })}`,
              ).toEqual(apollo);
              compared++;
              if (apollo.data?.includes('differential') || apollo.data?.includes(world.author)) seeded++;
            }
          }
        }
      }
      expect(compared).toBeGreaterThan(0);
      // The seeded posts and author are in what these answer: the comparison is over real data.
      if (['PostPage', 'HomeFeed', 'ProfilePage', 'UserCard', 'Followers'].includes(operation.name)) {
        expect(seeded).toBeGreaterThan(0);
      }
    }, 120_000);
  }

  it('gives the same partial response when a subgraph is down', async () => {
    const users = running.find((s) => s.definition.name === 'users')!;
    await stopServices([users]);
    running = running.filter((s) => s !== users);
    let failures = 0;
    for (const operation of operations.filter((o) =>
      ['PostPage', 'HomeFeed', 'ProfilePage', 'UserCard', 'Search'].includes(o.name),
    )) {
      for (const variables of variableSets(operation.name, world).slice(0, 2)) {
        const { apollo, own } = await runBoth(
          pair,
          operation.text,
          variables,
          operation.name,
          contextOf(world.follower),
        );
        expect(own, `${operation.name} ${JSON.stringify(variables)}`).toEqual(apollo);
        failures += apollo.errors.length;
      }
    }
    expect(failures).toBeGreaterThan(0);
  }, 120_000);
});
