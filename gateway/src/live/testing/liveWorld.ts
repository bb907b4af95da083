import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { create, toBinary } from '@bufbuild/protobuf';
import { EngagementUpdateSchema, FeedUpdateKind, FeedUpdateSchema } from '@verograph/contracts/live/v1/updates';
import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { engineAddresses } from '@verograph/service';
import type { Kafka } from 'kafkajs';

import { startTestSubgraph, type TestSubgraph, type TestSubgraphContext } from '../../testing/testSubgraph.ts';
import { SIGNING_SECRET, startTestGateway, type TestGateway } from '../../testing/testWorld.ts';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** The live part of the posts subgraph's contract, on a small in-memory subgraph whose audience the test controls. */
export const LIVE_POSTS_SDL = `${FEDERATION}
type Query { post(id: ID!): Post }
type Subscription {
  feedUpdated(after: String): FeedUpdate!
  postEngagement(postId: ID!, after: String): PostEngagement!
}
enum FeedUpdateKind { POST_ADDED POST_REMOVED }
type FeedUpdate { kind: FeedUpdateKind! postId: ID! post: Post cursor: String! }
type PostEngagement { postId: ID! loveCount: Int! commentCount: Int! latestComment: Comment cursor: String! }
type Post @key(fields: "id") {
  id: ID!
  caption: String!
  author: Author!
  comments(first: Int = 20): CommentConnection!
}
type CommentConnection { edges: [CommentEdge!]! }
type CommentEdge { node: Comment! }
type Comment @key(fields: "id") { id: ID! text: String! }
type Author @key(fields: "id") { id: ID! }
`;

/** A second subgraph, so a live selection crosses subgraphs like the real User fields do. */
export const LIVE_AUTHORS_SDL = `${FEDERATION}
type Query { author(id: ID!): Author }
type Author @key(fields: "id") { id: ID! displayName: String! }
`;

export interface LivePostsState {
  /** Post id → the viewers who may see it. */
  readonly audience: Map<string, Set<string>>;
  /** Post id → its comments, newest first. */
  readonly comments: Map<string, { id: string; text: string }[]>;
  /** Post id → milliseconds its caption takes to resolve (a slow store). */
  readonly slow: Map<string, number>;
  /** Post id → the traceparent of the last request that resolved it. */
  readonly traces?: Map<string, string>;
}

export function startLivePostsSubgraph(state: LivePostsState): Promise<TestSubgraph> {
  const visible = (id: string, context: TestSubgraphContext) =>
    context.viewerId !== undefined && (state.audience.get(id)?.has(context.viewerId) ?? false);
  return startTestSubgraph({
    name: 'posts',
    typeDefs: LIVE_POSTS_SDL,
    signingSecret: SIGNING_SECRET,
    resolvers: {
      Query: {
        post: (_: unknown, args: { id: string }, context: TestSubgraphContext) => {
          const traceparent = context.headers.traceparent;
          if (typeof traceparent === 'string') state.traces?.set(args.id, traceparent);
          return visible(args.id, context) ? { id: args.id } : null;
        },
      },
      Post: {
        __resolveReference: (reference: { id: string }, context: TestSubgraphContext) =>
          visible(reference.id, context) ? reference : null,
        caption: async (post: { id: string }) => {
          const ms = state.slow.get(post.id);
          if (ms) await sleep(ms);
          return `caption of ${post.id}`;
        },
        author: (post: { id: string }) => ({ id: `author-of-${post.id}` }),
        comments: (post: { id: string }, args: { first: number }) => ({
          edges: (state.comments.get(post.id) ?? []).slice(0, args.first).map((node) => ({ node })),
        }),
      },
    },
  });
}

export function startLiveAuthorsSubgraph(): Promise<TestSubgraph> {
  return startTestSubgraph({
    name: 'authors',
    typeDefs: LIVE_AUTHORS_SDL,
    signingSecret: SIGNING_SECRET,
    resolvers: {
      Query: { author: (_: unknown, args: { id: string }) => ({ id: args.id }) },
      Author: {
        __resolveReference: (reference: { id: string }) => reference,
        displayName: (author: { id: string }) => `Name of ${author.id}`,
      },
    },
  });
}

/** Live-updates topics of this run only, on the real Kafka, and a producer writing them as the projectors do. */
export interface LiveTopics {
  readonly kafka: Kafka;
  readonly feed: string;
  readonly engagement: string;
  readonly producer: MessageProducer;
  /** One feed update, as the projector publishes it (with the trace it continues, when given). */
  publishFeed(
    recipientId: string,
    kind: 'POST_ADDED' | 'POST_REMOVED',
    postId: string,
    traceparent?: string,
  ): Promise<void>;
  publishEngagement(
    postId: string,
    counts: { loves: number; comments: number; latestCommentId?: string },
  ): Promise<void>;
  drop(): Promise<void>;
}

export async function freshLiveTopics(partitions = 2): Promise<LiveTopics> {
  const run = randomUUID().slice(0, 8);
  const kafka = createKafka(`gateway-live-test-${run}`, engineAddresses().kafkaBrokers);
  const feed = `test.gateway.live.feed-updates.${run}`;
  const engagement = `test.gateway.live.engagement-updates.${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [feed, engagement].map((topic) => ({ topic, numPartitions: partitions })),
    waitForLeaders: true,
  });
  // A new topic's offsets can take a moment to be listable (seen in CI).
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.fetchTopicOffsets(feed);
      await admin.fetchTopicOffsets(engagement);
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await sleep(100);
    }
  }
  await admin.disconnect();
  const producer = await createProducer(kafka);
  return {
    kafka,
    feed,
    engagement,
    producer,
    publishFeed: (recipientId, kind, postId, traceparent) =>
      producer.send([
        {
          topic: feed,
          key: recipientId,
          ...(traceparent ? { headers: { traceparent } } : {}),
          value: toBinary(
            FeedUpdateSchema,
            create(FeedUpdateSchema, {
              recipientId,
              kind: kind === 'POST_ADDED' ? FeedUpdateKind.POST_ADDED : FeedUpdateKind.POST_REMOVED,
              postId,
              authorId: `author-of-${postId}`,
              eventId: randomUUID(),
            }),
          ),
        },
      ]),
    publishEngagement: (postId, counts) =>
      producer.send([
        {
          topic: engagement,
          key: postId,
          value: toBinary(
            EngagementUpdateSchema,
            create(EngagementUpdateSchema, {
              postId,
              loveCount: BigInt(counts.loves),
              commentCount: BigInt(counts.comments),
              latestCommentId: counts.latestCommentId ?? '',
              eventId: randomUUID(),
            }),
          ),
        },
      ]),
    async drop() {
      await producer.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [feed, engagement] }).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
}

/** Polls until `probe` returns something, or fails after `timeoutMs` naming what it waited for. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A gateway over the live posts and authors subgraphs, consuming this run's live topics from its
 * start; `env` adds or overrides settings.
 */
export function startLiveGateway(
  subgraphs: { readonly posts: TestSubgraph; readonly authors: TestSubgraph },
  topics: LiveTopics,
  env: Record<string, string>,
): Promise<TestGateway> {
  return startTestGateway({
    subgraphs: [
      { name: 'posts', url: subgraphs.posts.url, typeDefs: LIVE_POSTS_SDL },
      { name: 'authors', url: subgraphs.authors.url, typeDefs: LIVE_AUTHORS_SDL },
    ],
    env: {
      GATEWAY_LIVE_FEED_TOPIC: topics.feed,
      GATEWAY_LIVE_ENGAGEMENT_TOPIC: topics.engagement,
      GATEWAY_LIVE_CONSUME_ON_START: 'true',
      ...env,
    },
  });
}
