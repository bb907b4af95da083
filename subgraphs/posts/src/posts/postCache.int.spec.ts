import { randomUUID } from 'node:crypto';

import type { MessageProducer } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import { until } from '@verograph/stack/testing';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import type { CountingClient, ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import {
  countingClient,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
} from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPostsSubgraph } from '../postsSubgraph.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

/*
 * The post row cache on the real engines: rows come from Cassandra once, events on the posts
 * events topic (a topic of this run, standing in for posts.events) drop them, and what a
 * viewer may see is still decided on every request.
 */
const secret = `posts-cache-int-${randomUUID()}`;
const eventsTopic = `posts.events.test-${randomUUID().slice(0, 8)}`;
const POST = 'query($id: ID!) { post(id: $id) { id loveCount caption } }';

let client: cassandra.Client;
let counting: CountingClient;
let kafka: Kafka;
let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
const metrics = new Registry();

const postReads = () => counting.statements.filter((q) => q.includes('FROM posts WHERE id IN')).length;
const event = (postId: string) => producer.send([{ topic: eventsTopic, key: postId, value: Buffer.from('changed') }]);

beforeAll(async () => {
  const engines = engineAddresses();
  client = await localCassandra('posts-cache-int');
  counting = countingClient(client);
  kafka = createKafka('posts-cache-int', engines.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: eventsTopic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  producer = await createProducer(kafka);
  server = await startPostsSubgraph({
    cassandra: counting,
    producer,
    logger: createLogger('posts-cache-int', 'silent'),
    metrics,
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: 400,
    idSecret: ID_SECRET,
    rowCache: { ttlMs: 60_000, maxEntries: 1_000, kafka, eventsTopic },
  });
  gql = signedGraphQLClient(server.url, secret, 'posts');
  fx = readModelFixtures(client);
});

afterAll(async () => {
  await server?.close();
  await producer?.disconnect();
  const admin = kafka?.admin();
  if (admin) {
    await admin.connect();
    await admin.deleteTopics({ topics: [eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
  await client?.shutdown();
});

describe('post row cache', () => {
  it('reads a post from Cassandra once its invalidation feed has joined, then answers it from memory', async () => {
    const author = await fx.user();
    const { id } = await fx.post({ authorId: author, audience: 'FOLLOWERS', caption: 'first' });
    // The cache serves only once its consumer has joined the topic: until then every read goes to Cassandra.
    await until('the row cache to serve', async () => {
      await gql.query(author, POST, { id });
      counting.reset();
      await gql.query(author, POST, { id });
      return postReads() === 0 ? true : undefined;
    });
    counting.reset();
    const answer = await gql.query<{ post: { caption: string } }>(author, POST, { id });
    expect(answer.data?.post.caption).toBe('first');
    expect(postReads()).toBe(0);
    expect(await metrics.getSingleMetricAsString('posts_row_cache_lookups_total')).toMatch(/result="hit"} [1-9]/);
  });

  it('given a cached post, when its event arrives, then the next read shows what the writer wrote', async () => {
    const author = await fx.user();
    const { id, createdAt } = await fx.post({ authorId: author, audience: 'FOLLOWERS', loveCount: 0 });
    await until('the post cached', async () => {
      counting.reset();
      await gql.query(author, POST, { id });
      return postReads() === 0 ? true : undefined;
    });
    // The writer changes the row, then publishes the post's event.
    await fx.post({ id, authorId: author, audience: 'FOLLOWERS', loveCount: 3, createdAt });
    await event(id);
    const loved = await until('the new love count', async () => {
      const answer = await gql.query<{ post: { loveCount: number } }>(author, POST, { id });
      return answer.data?.post.loveCount === 3 ? answer : undefined;
    });
    expect(loved.data?.post.loveCount).toBe(3);

    await fx.post({ id, authorId: author, audience: 'FOLLOWERS', deleted: true, createdAt });
    await event(id);
    await until('the deleted post gone', async () => {
      const answer = await gql.query<{ post: unknown }>(author, POST, { id });
      return answer.data?.post === null ? true : undefined;
    });
  });

  it('given a cached post, when the author refiles the viewer, then the next read hides it with no post event at all', async () => {
    const author = await fx.user();
    const friend = await fx.user();
    await fx.connect(author, friend, 'FRIEND', 'FRIEND');
    const { id } = await fx.post({ authorId: author, audience: 'FRIENDS' });
    await until('the post cached', async () => {
      counting.reset();
      const answer = await gql.query<{ post: { id: string } | null }>(friend, POST, { id });
      return answer.data?.post?.id === id && postReads() === 0 ? true : undefined;
    });
    await fx.setLevel(author, friend, 'ACQUAINTANCE');
    const answer = await gql.query<{ post: unknown }>(friend, POST, { id });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.post).toBeNull();
  });

  it('given a private post and a deleted one in the cache, when a stranger asks for them, then each costs the reads of a missing id', async () => {
    const author = await fx.user();
    const stranger = await fx.user();
    const { id: privateId } = await fx.post({ authorId: author, audience: 'CLOSE_FRIENDS' });
    const { id: deletedId } = await fx.post({ authorId: author, audience: 'FOLLOWERS', deleted: true });
    const hits = async () =>
      Number(
        /result="hit"} (\d+)/.exec(await metrics.getSingleMetricAsString('posts_row_cache_lookups_total'))?.[1] ?? 0,
      );
    for (const id of [privateId, deletedId]) {
      // Someone else's reads (here the author's) put the row in the cache.
      await until('the post cached', async () => {
        await gql.query(author, POST, { id });
        const before = await hits();
        await gql.query(author, POST, { id });
        return (await hits()) > before ? true : undefined;
      });
    }
    const readsOf = async (id: string) => {
      counting.reset();
      const answer = await gql.query<{ post: unknown }>(stranger, POST, { id });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.post).toBeNull();
      return [...counting.statements].sort();
    };
    const missing = await readsOf(randomUUID());
    expect(await readsOf(privateId)).toEqual(missing);
    expect(await readsOf(deletedId)).toEqual(missing);
  });
});
