import { randomUUID } from 'node:crypto';

import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import type { OutgoingRecord } from '@verograph/messaging';

/** A command ready to publish, and the id its outcome will carry. */
export interface BenchCommand {
  readonly commandId: string;
  readonly record: OutgoingRecord;
}

type PostCommandCase = NonNullable<MessageInitShape<typeof PostCommandSchema>['command']>;

/** A `PostCommand` as a mutation publishes it: keyed by post id, enveloped, with its id in a header. */
export function postCommand(topic: string, actorId: string, postId: string, command: PostCommandCase): BenchCommand {
  const commandId = randomUUID();
  const envelope = { messageId: randomUUID(), commandId, aggregateId: postId, actorId, occurredAt: timestampNow() };
  return {
    commandId,
    record: {
      topic,
      key: postId,
      value: toBinary(PostCommandSchema, create(PostCommandSchema, { envelope, command })),
      headers: { 'command-id': commandId },
    },
  };
}

export function createPostCommand(topic: string, authorId: string, postId: string = randomUUID()): BenchCommand {
  return postCommand(topic, authorId, postId, {
    case: 'createPost',
    value: { postId, authorId, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: 'bench', tags: ['bench'] },
  });
}
