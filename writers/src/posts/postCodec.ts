import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience as AudienceEnum, PostKind as PostKindEnum } from '@verograph/contracts/posts/v1/posts';
import { audiences, type Audience } from '@verograph/domain';

import type { Decoded, RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import {
  commandMeta,
  envelopeFromProto,
  envelopeToProto,
  fromTimestamp,
  isCommandMeta,
  parse,
  toTimestamp,
} from '../writer/envelope.ts';
import { enumToName, nameToEnum } from '../writer/enums.ts';
import { postKinds, type PostCommand, type PostEvent, type PostKind } from './postModel.ts';

const kindOf = (value: number) => enumToName<PostKind>(postKinds, PostKindEnum, value);
const audienceOf = (value: number) => enumToName<Audience>(audiences, AudienceEnum, value);

/** A posts.commands record as a domain command, or why it is poison. */
export function decodePostCommand(bytes: Uint8Array): Decoded<PostCommand> {
  const parsed = parse(PostCommandSchema, bytes);
  if (!parsed.ok) return parsed;
  const meta = commandMeta(parsed.message.envelope);
  if (!isCommandMeta(meta)) return meta;
  const { command } = parsed.message;
  const ok = (c: PostCommand): Decoded<PostCommand> => ({ ok: true, meta, command: c });
  switch (command.case) {
    case 'createPost':
      return ok({
        type: 'CreatePost',
        postId: command.value.postId,
        authorId: command.value.authorId,
        kind: kindOf(command.value.kind),
        audience: audienceOf(command.value.audience),
        caption: command.value.caption,
        url: command.value.url,
        tags: command.value.tags,
        ...(command.value.createdAt ? { createdAt: fromTimestamp(command.value.createdAt) } : {}),
      });
    case 'deletePost':
      return ok({ type: 'DeletePost', postId: command.value.postId });
    case 'lovePost':
      return ok({ type: 'LovePost', postId: command.value.postId, userId: command.value.userId });
    case 'unlovePost':
      return ok({ type: 'UnlovePost', postId: command.value.postId, userId: command.value.userId });
    case 'commentOnPost':
      return ok({
        type: 'CommentOnPost',
        postId: command.value.postId,
        commentId: command.value.commentId,
        authorId: command.value.authorId,
        text: command.value.text,
      });
    case undefined:
      return { ok: false, code: 'UNKNOWN_COMMAND', reason: 'the PostCommand names no command this writer knows' };
    default:
      return assertNever(command);
  }
}

function eventMessage(event: PostEvent): NonNullable<MessageInitShape<typeof PostEventSchema>['event']> {
  switch (event.type) {
    case 'PostCreated':
      return {
        case: 'postCreated',
        value: {
          postId: event.postId,
          authorId: event.authorId,
          kind: nameToEnum<PostKindEnum>(PostKindEnum, event.kind),
          audience: nameToEnum<AudienceEnum>(AudienceEnum, event.audience),
          caption: event.caption,
          url: event.url,
          tags: [...event.tags],
          createdAt: toTimestamp(event.createdAt),
        },
      };
    case 'PostDeleted':
      return {
        case: 'postDeleted',
        value: { postId: event.postId, authorId: event.authorId, createdAt: toTimestamp(event.createdAt) },
      };
    case 'PostLoved':
      return {
        case: 'postLoved',
        value: {
          postId: event.postId,
          userId: event.userId,
          loveCount: BigInt(event.loveCount),
          lovedAt: toTimestamp(event.lovedAt),
        },
      };
    case 'PostUnloved':
      return {
        case: 'postUnloved',
        value: { postId: event.postId, userId: event.userId, loveCount: BigInt(event.loveCount) },
      };
    case 'CommentAdded':
      return {
        case: 'commentAdded',
        value: {
          postId: event.postId,
          commentId: event.commentId,
          authorId: event.authorId,
          text: event.text,
          createdAt: toTimestamp(event.createdAt),
          commentCount: BigInt(event.commentCount),
        },
      };
    default:
      return assertNever(event);
  }
}

export function encodePostEvent({ event, envelope }: RecordedEvent<PostEvent>): Uint8Array {
  return toBinary(
    PostEventSchema,
    create(PostEventSchema, { envelope: envelopeToProto(envelope), event: eventMessage(event) }),
  );
}

/** Reads back an event the posts writer recorded; anything else is a bug, and throws. */
export function decodePostEvent(bytes: Uint8Array): RecordedEvent<PostEvent> {
  const parsed = parse(PostEventSchema, bytes);
  if (!parsed.ok) throw new Error(`a recorded posts event does not decode: ${parsed.reason}`);
  const { envelope, event } = parsed.message;
  const domain = ((): PostEvent => {
    switch (event.case) {
      case 'postCreated': {
        const kind = kindOf(event.value.kind);
        const audience = audienceOf(event.value.audience);
        if (!kind || !audience) throw new Error('a recorded PostCreated has no kind or audience');
        return {
          type: 'PostCreated',
          postId: event.value.postId,
          authorId: event.value.authorId,
          kind,
          audience,
          caption: event.value.caption,
          url: event.value.url,
          tags: event.value.tags,
          createdAt: fromTimestamp(event.value.createdAt),
        };
      }
      case 'postDeleted':
        return {
          type: 'PostDeleted',
          postId: event.value.postId,
          authorId: event.value.authorId,
          createdAt: fromTimestamp(event.value.createdAt),
        };
      case 'postLoved':
        return {
          type: 'PostLoved',
          postId: event.value.postId,
          userId: event.value.userId,
          loveCount: Number(event.value.loveCount),
          lovedAt: fromTimestamp(event.value.lovedAt),
        };
      case 'postUnloved':
        return {
          type: 'PostUnloved',
          postId: event.value.postId,
          userId: event.value.userId,
          loveCount: Number(event.value.loveCount),
        };
      case 'commentAdded':
        return {
          type: 'CommentAdded',
          postId: event.value.postId,
          commentId: event.value.commentId,
          authorId: event.value.authorId,
          text: event.value.text,
          createdAt: fromTimestamp(event.value.createdAt),
          commentCount: Number(event.value.commentCount),
        };
      case undefined:
        throw new Error('a recorded posts event names no event');
      default:
        return assertNever(event);
    }
  })();
  return { event: domain, envelope: envelopeFromProto(envelope) };
}
