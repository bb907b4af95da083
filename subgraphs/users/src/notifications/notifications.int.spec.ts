import { randomUUID } from 'node:crypto';

import {
  createKafka,
  createProducer,
  runConsumer,
  type MessageProducer,
  type RunningConsumer,
} from '@verograph/messaging';
import {
  buildProjector,
  defaultFeedsSettings,
  defaultFeedStoreSettings,
  recordHandlerFor,
} from '@verograph/projectors';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import type { ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { errorCodes, localCassandra, readModelFixtures, signedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { startWriter } from '@verograph/writers';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startUsersSubgraph } from '../usersSubgraph.ts';

const secret = `notifications-int-${randomUUID()}`;
const run = randomUUID().slice(0, 8);
/** The command path of this run only: the subgraph, the users writer and the projector on these topics. */
const t = {
  commands: `test.notifications.users.commands.${run}`,
  events: `test.notifications.users.events.${run}`,
  postsEvents: `test.notifications.posts.events.${run}`,
  collectionsEvents: `test.notifications.collections.events.${run}`,
  outcomes: `test.notifications.outcomes.${run}`,
  updates: `test.notifications.updates.${run}`,
  deadLetter: `test.notifications.deadletter.${run}`,
};
const logger = createLogger('notifications-int', 'silent');

let client: cassandra.Client;
let kafka: Kafka;
let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
const consumers: RunningConsumer[] = [];

beforeAll(async () => {
  client = await localCassandra('notifications-int');
  kafka = createKafka(`notifications-int-${run}`, engineAddresses().kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(t).map((topic) => ({ topic, numPartitions: 2 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  producer = await createProducer(kafka);
  const metrics = new Registry();
  consumers.push(
    await startWriter('users', {
      kafka,
      cassandra: client,
      producer,
      logger,
      metrics,
      clock: () => new Date(),
      groupId: `test-notifications-writer-${run}`,
      topics: { commands: t.commands, events: t.events, outcomes: t.outcomes, deadLetter: t.deadLetter },
      concurrency: 2,
      sessionTimeoutMs: 6_000,
      lagRefreshMs: 0,
    }),
  );
  const streams = { users: t.events, posts: t.postsEvents, collections: t.collectionsEvents };
  const { projector } = buildProjector('notifications', {
    cassandra: client,
    producer,
    notificationUpdatesTopic: t.updates,
    feedUpdatesTopic: t.updates,
    engagementUpdatesTopic: t.updates,
    feeds: defaultFeedsSettings,
    fanOut: defaultFeedStoreSettings,
    groupPrefix: `test-notifications-${run}`,
  });
  consumers.push(
    await runConsumer({
      kafka,
      groupId: projector.groupId,
      topics: projector.streams.map((s) => streams[s]),
      handle: recordHandlerFor(projector, streams, logger),
      logger,
      metrics,
      deadLetterTopic: t.deadLetter,
      fromBeginning: true,
      lagRefreshMs: 0,
    }),
  );
  server = await startUsersSubgraph({
    cassandra: client,
    producer,
    logger,
    metrics,
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: 15_000,
    idSecret: `ids-${run}`,
    commandsTopic: t.commands,
  });
  gql = signedGraphQLClient(server.url, secret, 'users');
  fx = readModelFixtures(client);
}, 60_000);

afterAll(async () => {
  await server?.close();
  for (const consumer of consumers) await consumer.stop();
  await producer?.disconnect();
  const admin = kafka?.admin();
  if (admin) {
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(t) }).catch(() => undefined);
    await admin.disconnect();
  }
  await client?.shutdown();
});

/** A notification row as the projector writes it (its own spec proves events → rows). */
async function notify(
  recipientId: string,
  n: { kind: string; actorId: string; postId?: string; at: Date; id?: string },
): Promise<string> {
  const id = n.id ?? randomUUID();
  await client.execute(
    `INSERT INTO notifications_by_recipient (recipient_id, occurred_at, notification_id, kind, actor_id, post_id)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [recipientId, n.at, id, n.kind, n.actorId, n.postId ?? null],
    { prepare: true },
  );
  return id;
}

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));

const LIST = `query($first: Int, $after: String) {
  me {
    unreadNotificationCount
    notifications(first: $first, after: $after) {
      edges { cursor node { id kind read occurredAt actor { id displayName } post { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface Listed {
  me: {
    unreadNotificationCount: number;
    notifications: {
      edges: { cursor: string; node: { id: string; kind: string; read: boolean; post: { id: string } | null } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

describe('me.notifications on the users subgraph', () => {
  it('lists the viewer’s notifications newest first with actor and post, pages by cursor, and hides a deleted post', async () => {
    const me = await fx.user();
    const fan = await fx.user({ displayName: 'A fan' });
    const kept = await fx.post({ authorId: me, audience: 'FRIENDS' });
    const gone = await fx.post({ authorId: me, audience: 'FOLLOWERS', deleted: true });
    const followed = await notify(me, { kind: 'FOLLOWED', actorId: fan, at: at(1) });
    const loved = await notify(me, { kind: 'POST_LOVED', actorId: fan, postId: kept.id, at: at(2) });
    await notify(me, { kind: 'POST_COMMENTED', actorId: fan, postId: gone.id, at: at(3) });

    const first = await gql.query<Listed>(me, LIST, { first: 1 });
    expect(first.errors).toBeUndefined();
    expect(first.data!.me.unreadNotificationCount).toBe(2);
    const page1 = first.data!.me.notifications;
    expect(page1.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id: loved, kind: 'POST_LOVED', read: false, post: { id: kept.id } }),
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);

    const second = await gql.query<Listed>(me, LIST, { first: 5, after: page1.pageInfo.endCursor });
    const page2 = second.data!.me.notifications;
    expect(page2.edges.map((e) => [e.node.id, e.node.kind, e.node.post])).toEqual([[followed, 'FOLLOWED', null]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(JSON.stringify(second.data)).toContain('A fan');
  });

  it('are private: asked through another user they answer FORBIDDEN; anonymous has no me', async () => {
    const me = await fx.user();
    const other = await fx.user();
    await notify(other, { kind: 'FOLLOWED', actorId: me, at: at(1) });
    const answer = await gql.query(me, 'query($id: ID) { user(id: $id) { notifications { edges { cursor } } } }', {
      id: other,
    });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
    const count = await gql.query(me, 'query($id: ID) { user(id: $id) { unreadNotificationCount } }', { id: other });
    expect(errorCodes(count)).toEqual(['FORBIDDEN']);
    expect((await gql.query<{ me: null }>(undefined, LIST)).data!.me).toBeNull();
  });

  it('markNotificationsRead goes through the users writer and the projector: read up to the cursor, count 0', async () => {
    const me = await fx.user();
    const fan = await fx.user();
    const post = await fx.post({ authorId: me, audience: 'FOLLOWERS' });
    await notify(me, { kind: 'FOLLOWED', actorId: fan, at: at(1) });
    await notify(me, { kind: 'POST_LOVED', actorId: fan, postId: post.id, at: at(2) });
    const listed = await gql.query<Listed>(me, LIST, { first: 1 });
    expect(listed.data!.me.unreadNotificationCount).toBe(2);
    const newest = listed.data!.me.notifications.edges[0]!.cursor;

    const marked = await gql.query<{ markNotificationsRead: Record<string, unknown> }>(
      me,
      'mutation($upTo: String!) { markNotificationsRead(upTo: $upTo) { status reason { code } unreadNotificationCount } }',
      { upTo: newest },
    );
    expect(marked.errors).toBeUndefined();
    expect(marked.data!.markNotificationsRead).toEqual({ status: 'APPLIED', reason: null, unreadNotificationCount: 0 });

    const after = await gql.query<Listed>(me, LIST, {});
    expect(after.data!.me.unreadNotificationCount).toBe(0);
    expect(after.data!.me.notifications.edges.map((e) => e.node.read)).toEqual([true, true]);

    // A newer notification is unread again.
    await notify(me, { kind: 'FOLLOWED', actorId: await fx.user(), at: at(3) });
    expect((await gql.query<Listed>(me, LIST, {})).data!.me.unreadNotificationCount).toBe(1);
  }, 30_000);

  it('refuses a cursor that is not one of the viewer’s notifications, with INVALID_CURSOR', async () => {
    const me = await fx.user();
    const other = await fx.user();
    await notify(other, { kind: 'FOLLOWED', actorId: me, at: at(1) });
    const theirs = (await gql.query<Listed>(other, LIST, {})).data!.me.notifications.edges[0]!.cursor;
    for (const upTo of [theirs, 'not-a-cursor']) {
      const answer = await gql.query(me, 'mutation($upTo: String!) { markNotificationsRead(upTo: $upTo) { status } }', {
        upTo,
      });
      expect(errorCodes(answer)).toEqual(['INVALID_CURSOR']);
    }
  });
});
