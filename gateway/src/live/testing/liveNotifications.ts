import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { NotificationKind, NotificationUpdateSchema } from '@verograph/contracts/live/v1/updates';
import type { MessageProducer } from '@verograph/messaging';
import type { Kafka } from 'kafkajs';

import { startTestSubgraph, type TestSubgraph } from '../../testing/testSubgraph.ts';
import { SIGNING_SECRET } from '../../testing/testWorld.ts';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** The notifications part of the users subgraph's contract, on a small in-memory subgraph. */
export const LIVE_USERS_SDL = `${FEDERATION}
scalar DateTime
type Query { user(id: ID, username: String): User }
type User @key(fields: "id") { id: ID! displayName: String! }
type Subscription { notificationReceived(after: String): NotificationReceived! }
enum NotificationKind { POST_LOVED POST_COMMENTED FOLLOWED CONNECTION_REQUESTED CONNECTION_ACCEPTED }
type NotificationReceived {
  id: ID!
  kind: NotificationKind!
  occurredAt: DateTime!
  actor: User
  post: Post
  cursor: String!
}
type Post @key(fields: "id", resolvable: false) { id: ID! }
`;

export function startLiveUsersSubgraph(): Promise<TestSubgraph> {
  return startTestSubgraph({
    name: 'users',
    typeDefs: LIVE_USERS_SDL,
    signingSecret: SIGNING_SECRET,
    resolvers: {
      Query: { user: (_: unknown, args: { id: string }) => ({ id: args.id }) },
      User: {
        __resolveReference: (reference: { id: string }) => reference,
        displayName: (user: { id: string }) => `Name of ${user.id}`,
      },
    },
  });
}

const kinds = {
  POST_LOVED: NotificationKind.POST_LOVED,
  POST_COMMENTED: NotificationKind.POST_COMMENTED,
  FOLLOWED: NotificationKind.FOLLOWED,
  CONNECTION_REQUESTED: NotificationKind.CONNECTION_REQUESTED,
  CONNECTION_ACCEPTED: NotificationKind.CONNECTION_ACCEPTED,
} as const;

/** A notification.updates topic of this run, and a publisher writing it as the notifications projector does. */
export interface LiveNotificationTopic {
  readonly topic: string;
  /** Publishes one notification for `recipientId`; answers its id (the event id). */
  publish(
    recipientId: string,
    n: { kind: keyof typeof kinds; actorId: string; postId?: string; at?: Date },
  ): Promise<string>;
  drop(): Promise<void>;
}

export async function freshNotificationTopic(
  kafka: Kafka,
  producer: MessageProducer,
  partitions = 2,
): Promise<LiveNotificationTopic> {
  const topic = `test.gateway.live.notification-updates.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.fetchTopicOffsets(topic);
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await sleep(100);
    }
  }
  await admin.disconnect();
  return {
    topic,
    async publish(recipientId, n) {
      const eventId = randomUUID();
      await producer.send([
        {
          topic,
          key: recipientId,
          value: toBinary(
            NotificationUpdateSchema,
            create(NotificationUpdateSchema, {
              recipientId,
              kind: kinds[n.kind],
              actorId: n.actorId,
              postId: n.postId ?? '',
              occurredAt: timestampFromDate(n.at ?? new Date()),
              eventId,
            }),
          ),
        },
      ]);
      return eventId;
    },
    async drop() {
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
}
