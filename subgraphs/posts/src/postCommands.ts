import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { DomainError } from '@verograph/domain';
import type { CommandResult, CommandSpec } from '@verograph/subgraph-kit';
import { sendViewerCommand } from '@verograph/subgraph-kit';

import type { PostsContext } from './context.ts';
import { visiblePost } from './context.ts';
import type { PostRow } from './posts/postsStore.ts';

export interface PostCommandSpec extends CommandSpec {
  /** The post the command is about; for createPost it derives from the command id. */
  readonly postId: (commandId: string) => string;
  readonly command: (viewerId: string, commandId: string) => MessageInitShape<typeof PostCommandSchema>['command'];
}

export interface PostCommandRun {
  readonly viewerId: string;
  readonly commandId: string;
  readonly postId: string;
  readonly result: CommandResult;
  /** Until when the payload may wait for the read model to show the change. */
  readonly deadline: number;
}

/** Publishes one `PostCommand` on posts.commands, keyed by post id, and awaits its outcome. */
export async function runPostCommand(ctx: PostsContext, spec: PostCommandSpec): Promise<PostCommandRun> {
  const { viewerId, commandId, aggregateId, result, deadline } = await sendViewerCommand(ctx.viewer, ctx.services, {
    ...spec,
    signInTo: 'post, love or comment',
    aggregateId: ({ commandId }) => spec.postId(commandId),
    encode: (envelope, { viewerId, commandId }) =>
      toBinary(PostCommandSchema, create(PostCommandSchema, { envelope, command: spec.command(viewerId, commandId) })),
  });
  // The payload reads the post back: not from a row cached before the writer changed it.
  ctx.services.postCache?.invalidate(aggregateId);
  return { viewerId, commandId, postId: aggregateId, result, deadline };
}

/** The viewer must have a profile: posts, loves and comments show their author. */
export async function requireProfile(ctx: PostsContext, viewerId: string): Promise<void> {
  if (!(await ctx.services.posts.profileExists(viewerId))) {
    throw new DomainError('PROFILE_REQUIRED', 'Create your profile first (createProfile).');
  }
}

/**
 * A post the viewer may act on. Missing, deleted and invisible posts all answer
 * POST_NOT_FOUND: nobody learns that a post they may not see exists.
 */
export async function actionablePost(ctx: PostsContext, postId: string): Promise<PostRow> {
  const post = await visiblePost(ctx, postId);
  if (post === undefined) {
    throw new DomainError('POST_NOT_FOUND', `There is no post with id "${postId}".`, { field: 'postId' });
  }
  return post;
}
