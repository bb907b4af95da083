import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience as AudienceEnum, PostKind as PostKindEnum } from '@verograph/contracts/posts/v1/posts';
import { audiences, type Audience } from '@verograph/domain';

import { commandDecoder, eventDecoder, eventEncoder, type EventInit } from '../writer/codec.ts';
import { assertNever } from '../writer/decision.ts';
import { fromTimestamp, toTimestamp } from '../writer/envelope.ts';
import { enumToName, nameToEnum } from '../writer/enums.ts';
import { postKinds, type PostCommand, type PostEvent, type PostKind } from './postModel.ts';

const kindOf = (value: number) => enumToName<PostKind>(postKinds, PostKindEnum, value);
const audienceOf = (value: number) => enumToName<Audience>(audiences, AudienceEnum, value);

/** A posts.commands record as a domain command, or why it is poison. */
export const decodePostCommand = commandDecoder(PostCommandSchema, (command): PostCommand => {
  switch (command.case) {
    case 'createPost':
      return {
        type: 'CreatePost',
        postId: command.value.postId,
        authorId: command.value.authorId,
        kind: kindOf(command.value.kind),
        audience: audienceOf(command.value.audience),
        caption: command.value.caption,
        url: command.value.url,
        tags: command.value.tags,
        ...(command.value.createdAt ? { createdAt: fromTimestamp(command.value.createdAt) } : {}),
      };
    case 'deletePost':
      return { type: 'DeletePost', postId: command.value.postId };
    case 'lovePost':
      return { type: 'LovePost', postId: command.value.postId, userId: command.value.userId };
    case 'unlovePost':
      return { type: 'UnlovePost', postId: command.value.postId, userId: command.value.userId };
    case 'commentOnPost':
      return {
        type: 'CommentOnPost',
        postId: command.value.postId,
        commentId: command.value.commentId,
        authorId: command.value.authorId,
        text: command.value.text,
      };
    default:
      return assertNever(command);
  }
});

function eventMessage(event: PostEvent): EventInit<typeof PostEventSchema> {
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

export const encodePostEvent = eventEncoder(PostEventSchema, eventMessage);

/** Reads back an event the posts writer recorded; anything else is a bug, and throws. */
export const decodePostEvent = eventDecoder(PostEventSchema, 'posts', (event): PostEvent => {
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
    default:
      return assertNever(event);
  }
});
