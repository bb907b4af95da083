/**
 * The mix's actions as the commands a mutation publishes: the same message, key (aggregate id)
 * and `command-id` header as the subgraphs give them, on the topic each writer reads.
 */
import { randomUUID } from 'node:crypto';

import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { ConnectionLevel } from '@verograph/contracts/users/v1/users';
import { connectionId } from '@verograph/domain';
import { topics } from '@verograph/messaging';

import { createPostCommand, postCommand, type BenchCommand } from '../postCommands.ts';
import type { MixAction } from './mixPlan.ts';

type UserCommandCase = NonNullable<MessageInitShape<typeof UserCommandSchema>['command']>;
type CollectionCommandCase = NonNullable<MessageInitShape<typeof CollectionCommandSchema>['command']>;

function envelopeOf(commandId: string, aggregateId: string, actorId: string) {
  return { messageId: randomUUID(), commandId, aggregateId, actorId, occurredAt: timestampNow() };
}

/** A `UserCommand` keyed by its aggregate (the user, or the connection of two users). */
export function userCommand(
  topic: string,
  actorId: string,
  aggregateId: string,
  command: UserCommandCase,
  commandId: string = randomUUID(),
): BenchCommand {
  const envelope = envelopeOf(commandId, aggregateId, actorId);
  return {
    commandId,
    record: {
      topic,
      key: aggregateId,
      value: toBinary(UserCommandSchema, create(UserCommandSchema, { envelope, command })),
      headers: { 'command-id': commandId },
    },
  };
}

function collectionCommand(
  topic: string,
  actorId: string,
  collectionId: string,
  command: CollectionCommandCase,
): BenchCommand {
  const commandId = randomUUID();
  const envelope = envelopeOf(commandId, collectionId, actorId);
  return {
    commandId,
    record: {
      topic,
      key: collectionId,
      value: toBinary(CollectionCommandSchema, create(CollectionCommandSchema, { envelope, command })),
      headers: { 'command-id': commandId },
    },
  };
}

/** CreateProfile with a given command id: seeding again sends the same command, never a second profile. */
export function createProfileCommand(userId: string, username: string, commandId: string): BenchCommand {
  return userCommand(
    topics.usersCommands,
    userId,
    userId,
    { case: 'createProfile', value: { userId, profile: { username, displayName: `Bench ${username}` } } },
    commandId,
  );
}

/** Follow, with a given command id (see createProfileCommand). */
export function followCommand(followerId: string, followeeId: string, commandId: string): BenchCommand {
  return userCommand(
    topics.usersCommands,
    followerId,
    followerId,
    { case: 'follow', value: { followerId, followeeId } },
    commandId,
  );
}

/**
 * The command for `action` on its writer's topic, or on `topic` when given (the baseline:
 * the same records through Kafka alone).
 */
export function mixCommand(action: MixAction, topic?: string): BenchCommand {
  const { actor } = action;
  switch (action.kind) {
    case 'lovePost':
    case 'unlovePost': {
      const value = { postId: action.postId, userId: actor };
      const command =
        action.kind === 'lovePost' ? { case: 'lovePost' as const, value } : { case: 'unlovePost' as const, value };
      return postCommand(topic ?? topics.postsCommands, actor, action.postId, command);
    }
    case 'commentOnPost':
      return postCommand(topic ?? topics.postsCommands, actor, action.postId, {
        case: 'commentOnPost',
        value: { postId: action.postId, commentId: action.commentId, authorId: actor, text: action.text },
      });
    case 'createPost':
      return createPostCommand(topic ?? topics.postsCommands, actor, action.postId);
    case 'follow':
      return userCommand(topic ?? topics.usersCommands, actor, actor, {
        case: 'follow',
        value: { followerId: actor, followeeId: action.target },
      });
    case 'unfollow':
      return userCommand(topic ?? topics.usersCommands, actor, actor, {
        case: 'unfollow',
        value: { followerId: actor, followeeId: action.target },
      });
    case 'requestConnection':
      return userCommand(topic ?? topics.usersCommands, actor, connectionId(actor, action.target), {
        case: 'requestConnection',
        value: { requesterId: actor, addresseeId: action.target, level: ConnectionLevel.FRIEND },
      });
    case 'acceptConnection':
      return userCommand(topic ?? topics.usersCommands, actor, connectionId(actor, action.target), {
        case: 'acceptConnection',
        value: { accepterId: actor, requesterId: action.target, level: ConnectionLevel.FRIEND },
      });
    case 'createCollection':
      return collectionCommand(topic ?? topics.collectionsCommands, actor, action.collectionId, {
        case: 'createCollection',
        value: { collectionId: action.collectionId, ownerId: actor, title: 'Bench collection', description: '' },
      });
    case 'addToCollection':
      return collectionCommand(topic ?? topics.collectionsCommands, actor, action.collectionId, {
        case: 'addToCollection',
        value: { collectionId: action.collectionId, postId: action.postId },
      });
    case 'removeFromCollection':
      return collectionCommand(topic ?? topics.collectionsCommands, actor, action.collectionId, {
        case: 'removeFromCollection',
        value: { collectionId: action.collectionId, postId: action.postId },
      });
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}
