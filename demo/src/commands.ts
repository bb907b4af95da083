import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import type { Envelope } from '@verograph/contracts/common/v1/envelope';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience as AudienceEnum, PostKind as PostKindEnum } from '@verograph/contracts/posts/v1/posts';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { ConnectionLevel as LevelEnum } from '@verograph/contracts/users/v1/users';
import { connectionId, type ConnectionLevel } from '@verograph/domain';
import { continueTrace, topics, traceHeaders, type OutgoingRecord } from '@verograph/messaging';
import {
  commandEnvelope,
  commandFingerprint,
  FINGERPRINT_HEADER,
  type CommandToPublish,
} from '@verograph/subgraph-kit';

import { demoId, type DemoNetwork } from './network.ts';

/** One command of the demo, ready to publish; its id is derived from the seed and the item. */
export interface DemoCommand {
  readonly commandId: string;
  readonly record: OutgoingRecord;
}

/** Commands that may all be in flight at once; a phase starts once the one before is decided. */
export interface Phase {
  readonly name: string;
  readonly commands: readonly DemoCommand[];
}

type UserCase = NonNullable<MessageInitShape<typeof UserCommandSchema>['command']>;
type PostCase = NonNullable<MessageInitShape<typeof PostCommandSchema>['command']>;
type CollectionCase = NonNullable<MessageInitShape<typeof CollectionCommandSchema>['command']>;

const levels: Record<ConnectionLevel, LevelEnum> = {
  CLOSE_FRIEND: LevelEnum.CLOSE_FRIEND,
  FRIEND: LevelEnum.FRIEND,
  ACQUAINTANCE: LevelEnum.ACQUAINTANCE,
};

/**
 * A command as a subgraph's mutation publishes it (`publishCommand`: keyed by aggregate, the
 * command id and its fingerprint in headers), but with an id derived from the seed and the
 * item, so a second run sends the commands the writers have already decided.
 */
function command(
  seed: string,
  topic: string,
  aggregateId: string,
  actorId: string,
  item: readonly string[],
  encode: (envelope: Envelope) => Uint8Array,
  now: Date,
): DemoCommand {
  const commandId = demoId(seed, 'command', topic, ...item);
  const toPublish: CommandToPublish = {
    topic,
    aggregateId,
    commandId,
    actorId,
    trace: continueTrace(undefined),
    encode,
    // A seeded network is loaded in bursts no person makes: the writers' flood guard stands aside.
    bulkLoad: true,
  };
  return {
    commandId,
    record: {
      topic,
      key: aggregateId,
      value: encode(commandEnvelope(toPublish, now)),
      headers: {
        ...traceHeaders(toPublish.trace),
        'command-id': commandId,
        [FINGERPRINT_HEADER]: commandFingerprint(toPublish),
      },
    },
  };
}

/**
 * The network as commands, in the phases the writers' rules need: profiles before anything
 * that names a user; posts before collections that hold them. Within a phase, one
 * aggregate's commands share a key (a connection's request, acceptance and re-filing; a
 * post's creation, loves and comments), so Kafka keeps their order.
 */
export function demoPhases(network: DemoNetwork, now: Date): Phase[] {
  const { seed } = network;
  const user = (aggregateId: string, actorId: string, item: string[], value: UserCase) =>
    command(
      seed,
      topics.usersCommands,
      aggregateId,
      actorId,
      item,
      (envelope) => toBinary(UserCommandSchema, create(UserCommandSchema, { envelope, command: value })),
      now,
    );
  const post = (postId: string, actorId: string, item: string[], value: PostCase) =>
    command(
      seed,
      topics.postsCommands,
      postId,
      actorId,
      item,
      (envelope) => toBinary(PostCommandSchema, create(PostCommandSchema, { envelope, command: value })),
      now,
    );
  const collection = (collectionId: string, actorId: string, item: string[], value: CollectionCase) =>
    command(
      seed,
      topics.collectionsCommands,
      collectionId,
      actorId,
      item,
      (envelope) => toBinary(CollectionCommandSchema, create(CollectionCommandSchema, { envelope, command: value })),
      now,
    );

  const profiles = network.users.map((u) =>
    user(u.id, u.id, ['profile', u.id], {
      case: 'createProfile',
      value: {
        userId: u.id,
        profile: { username: u.username, displayName: u.displayName, bio: u.bio, avatarUrl: u.avatarUrl },
      },
    }),
  );

  const graph: DemoCommand[] = network.follows.map(({ followerId, followeeId }) =>
    user(followerId, followerId, ['follow', followerId, followeeId], {
      case: 'follow',
      value: { followerId, followeeId },
    }),
  );
  for (const c of network.connections) {
    const pair = connectionId(c.requesterId, c.addresseeId);
    graph.push(
      user(pair, c.requesterId, ['request', c.requesterId, c.addresseeId], {
        case: 'requestConnection',
        value: { requesterId: c.requesterId, addresseeId: c.addresseeId, level: levels[c.requestedLevel] },
      }),
    );
    if (!c.accepted) continue;
    graph.push(
      user(pair, c.addresseeId, ['accept', c.addresseeId, c.requesterId], {
        case: 'acceptConnection',
        value: { accepterId: c.addresseeId, requesterId: c.requesterId, level: levels[c.accepted.acceptedLevel] },
      }),
    );
    const refilings: [string, string, ConnectionLevel | undefined][] = [
      [c.requesterId, c.addresseeId, c.accepted.requesterRefiled],
      [c.addresseeId, c.requesterId, c.accepted.addresseeRefiled],
    ];
    for (const [userId, otherId, level] of refilings) {
      if (!level) continue;
      graph.push(
        user(pair, userId, ['level', userId, otherId], {
          case: 'setConnectionLevel',
          value: { userId, otherId, level: levels[level] },
        }),
      );
    }
  }

  const content: DemoCommand[] = network.posts.map((p) =>
    post(p.id, p.authorId, ['post', p.id], {
      case: 'createPost',
      value: {
        postId: p.id,
        authorId: p.authorId,
        kind: PostKindEnum[p.kind],
        audience: AudienceEnum[p.audience],
        caption: p.caption,
        url: p.url,
        tags: [...p.tags],
        createdAt: timestampFromDate(p.createdAt),
      },
    }),
  );
  for (const { postId, userId } of network.loves) {
    content.push(post(postId, userId, ['love', postId, userId], { case: 'lovePost', value: { postId, userId } }));
  }
  for (const c of network.comments) {
    content.push(
      post(c.postId, c.authorId, ['comment', c.id], {
        case: 'commentOnPost',
        value: { postId: c.postId, commentId: c.id, authorId: c.authorId, text: c.text },
      }),
    );
  }

  const kept: DemoCommand[] = [];
  for (const c of network.collections) {
    kept.push(
      collection(c.id, c.ownerId, ['collection', c.id], {
        case: 'createCollection',
        value: { collectionId: c.id, ownerId: c.ownerId, title: c.title, description: c.description },
      }),
      ...c.postIds.map((postId) =>
        collection(c.id, c.ownerId, ['collect', c.id, postId], {
          case: 'addToCollection',
          value: { collectionId: c.id, postId },
        }),
      ),
    );
  }

  return [
    { name: 'profiles', commands: profiles },
    { name: 'follows and connections', commands: graph },
    { name: 'posts, loves and comments', commands: content },
    { name: 'collections', commands: kept },
  ];
}
