import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { DomainError, validUserId } from '@verograph/domain';
import type { CommandResult } from '@verograph/subgraph-kit';
import { commandIdFor, hasIdempotencyKey, idempotencyKeyOf, requireViewer } from '@verograph/subgraph-kit';

import type { PostsContext } from './context.ts';
import { visiblePost } from './context.ts';
import type { PostRow } from './posts/postsStore.ts';

export interface PostCommandSpec {
  /** The GraphQL mutation's name. */
  readonly mutation: string;
  /** The post the command is about; for createPost it derives from the command id. */
  readonly postId: (commandId: string) => string;
  /** The mutation's target, part of the command id (see `commandIdFor`). */
  readonly scope?: readonly string[];
  readonly clientMutationId: string | null | undefined;
  readonly command: (viewerId: string, commandId: string) => MessageInitShape<typeof PostCommandSchema>['command'];
  /**
   * Whether the viewer may see the command's target now: checked on every send, a resend
   * answered from the record included (see `CommandRights.sees`).
   */
  readonly sees?: (viewerId: string) => Promise<void>;
  /** The viewer's rights, checked against the read model when the command is new. */
  readonly check?: (viewerId: string) => Promise<void>;
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
  const viewerId = validUserId('viewer', requireViewer(ctx.viewer.viewerId, 'post, love or comment'));
  const { bus, commandsTopic } = ctx.services;
  const deadline = Date.now() + bus.waitMs;
  const idempotencyKey = idempotencyKeyOf(spec.clientMutationId, ctx.viewer.idempotencyKey);
  const commandId = commandIdFor({
    secret: ctx.services.idSecret,
    viewerId,
    mutation: spec.mutation,
    idempotencyKey,
    scope: spec.scope,
  });
  const postId = spec.postId(commandId);
  const result = await bus.dispatch(
    {
      topic: commandsTopic,
      aggregateId: postId,
      commandId,
      // A fresh id (no idempotency key) has no recorded decision to look up.
      resendable: hasIdempotencyKey(idempotencyKey),
      actorId: viewerId,
      trace: ctx.viewer.trace,
      encode: (envelope) =>
        toBinary(
          PostCommandSchema,
          create(PostCommandSchema, { envelope, command: spec.command(viewerId, commandId) }),
        ),
    },
    {
      sees: spec.sees && (() => spec.sees!(viewerId)),
      check: spec.check && (() => spec.check!(viewerId)),
    },
    { sentAt: ctx.viewer.sentAt },
  );
  // The payload reads the post back: not from a row cached before the writer changed it.
  ctx.services.postCache?.invalidate(postId);
  return { viewerId, commandId, postId, result, deadline };
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
