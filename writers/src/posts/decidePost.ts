import { limits, validTags, validText, validUrl } from '@verograph/domain';

import {
  accept,
  assertNever,
  canonicalUuid,
  reject,
  validated,
  type Decision,
  type DecisionContext,
} from '../writer/decision.ts';
import type { PostCommand, PostEvent, PostState } from './postModel.ts';

type Of<T extends PostCommand['type']> = Extract<PostCommand, { type: T }>;

const NOT_FOUND = (postId: string) => reject('POST_NOT_FOUND', `post ${postId} does not exist`);

/** The posts writer's decision: pure, given the command, what is known, and the clock. */
export function decidePost(command: PostCommand, state: PostState, context: DecisionContext): Decision<PostEvent> {
  switch (command.type) {
    case 'CreatePost':
      return decideCreatePost(command, state, context);
    case 'DeletePost':
      return decideDeletePost(command, state, context);
    case 'LovePost':
      return decideLovePost(command, state, context);
    case 'UnlovePost':
      return decideUnlovePost(command, state, context);
    case 'CommentOnPost':
      return decideCommentOnPost(command, state, context);
    default:
      return assertNever(command);
  }
}

/** Every posts command belongs to its post. */
export function postAggregateId(command: PostCommand): string {
  return command.postId;
}

export function decideCreatePost(
  command: Of<'CreatePost'>,
  state: PostState,
  { actorId, now }: DecisionContext,
): Decision<PostEvent> {
  if (command.authorId !== actorId) return reject('FORBIDDEN', 'posts can only be created by their author');
  const badId = canonicalUuid('postId', command.postId);
  if (badId) return { rejection: badId };
  if (!command.kind)
    return reject('BAD_USER_INPUT', 'kind must be one of PHOTO, VIDEO, LINK, MUSIC, MOVIE, BOOK, PLACE, TEXT');
  if (!command.audience) {
    return reject('BAD_USER_INPUT', 'audience must be one of CLOSE_FRIENDS, FRIENDS, ACQUAINTANCES, FOLLOWERS');
  }
  const fields = validated(() => ({
    caption: validText('caption', command.caption, limits.captionMax),
    url: validUrl('url', command.url),
    tags: validTags(command.tags),
  }));
  if (!fields.ok) return { rejection: fields.rejection };
  if (command.createdAt && command.createdAt.getTime() > now.getTime()) {
    return reject('BAD_USER_INPUT', 'created_at must not be in the future; leave it unset for a post made now');
  }
  if (!state.authorHasProfile) return reject('PROFILE_REQUIRED', 'create a profile before posting');
  if (state.post) return reject('POST_EXISTS', `post ${command.postId} already exists`);
  return accept({
    type: 'PostCreated',
    postId: command.postId,
    authorId: command.authorId,
    kind: command.kind,
    audience: command.audience,
    ...fields.value,
    createdAt: command.createdAt ?? now,
  });
}

export function decideDeletePost(
  command: Of<'DeletePost'>,
  { post }: PostState,
  { actorId }: DecisionContext,
): Decision<PostEvent> {
  if (!post || post.deleted) return NOT_FOUND(command.postId);
  if (post.authorId !== actorId) return reject('NOT_POST_AUTHOR', 'only the author of a post can delete it');
  return accept({ type: 'PostDeleted', postId: command.postId, authorId: post.authorId, createdAt: post.createdAt });
}

export function decideLovePost(
  command: Of<'LovePost'>,
  { post, loved }: PostState,
  { actorId, now }: DecisionContext,
): Decision<PostEvent> {
  if (command.userId !== actorId) return reject('FORBIDDEN', 'users can only love posts on their own behalf');
  if (!post || post.deleted) return NOT_FOUND(command.postId);
  if (loved) return reject('ALREADY_LOVED', 'you already love this post');
  return accept({
    type: 'PostLoved',
    postId: command.postId,
    userId: command.userId,
    loveCount: post.loveCount + 1,
    lovedAt: now,
  });
}

export function decideUnlovePost(
  command: Of<'UnlovePost'>,
  { post, loved }: PostState,
  { actorId }: DecisionContext,
): Decision<PostEvent> {
  if (command.userId !== actorId) return reject('FORBIDDEN', 'users can only unlove posts on their own behalf');
  if (!post || post.deleted) return NOT_FOUND(command.postId);
  if (!loved) return reject('NOT_LOVED', 'you do not love this post');
  return accept({
    type: 'PostUnloved',
    postId: command.postId,
    userId: command.userId,
    loveCount: Math.max(0, post.loveCount - 1),
  });
}

export function decideCommentOnPost(
  command: Of<'CommentOnPost'>,
  { post, commentExists }: PostState,
  { actorId, now }: DecisionContext,
): Decision<PostEvent> {
  if (command.authorId !== actorId) return reject('FORBIDDEN', 'comments can only be written by their author');
  const badId = canonicalUuid('commentId', command.commentId);
  if (badId) return { rejection: badId };
  const text = validated(() => validText('text', command.text, limits.commentMax, true));
  if (!text.ok) return { rejection: text.rejection };
  if (!post || post.deleted) return NOT_FOUND(command.postId);
  if (commentExists) return reject('BAD_USER_INPUT', `comment id ${command.commentId} is already used; send a new one`);
  return accept({
    type: 'CommentAdded',
    postId: command.postId,
    commentId: command.commentId,
    authorId: command.authorId,
    text: text.value,
    createdAt: now,
    commentCount: post.commentCount + 1,
  });
}
