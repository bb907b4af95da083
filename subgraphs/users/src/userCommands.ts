import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { validUserId } from '@verograph/domain';
import type { CommandResult } from '@verograph/subgraph-kit';
import { commandIdFor, hasIdempotencyKey, idempotencyKeyOf, requireViewer } from '@verograph/subgraph-kit';

import type { UsersContext } from './context.ts';

export interface UserCommandSpec {
  /** The GraphQL mutation's name. */
  readonly mutation: string;
  /** The user id for profiles and follows, the connection id for connections. */
  readonly aggregateId: (viewerId: string) => string;
  /** The mutation's target, part of the command id (see `commandIdFor`). */
  readonly scope?: readonly string[];
  readonly clientMutationId: string | null | undefined;
  readonly command: (viewerId: string) => MessageInitShape<typeof UserCommandSchema>['command'];
  /**
   * Whether the viewer may see the command's target now: checked on every send, a resend
   * answered from the record included (see `CommandRights.sees`).
   */
  readonly sees?: (viewerId: string) => Promise<void>;
  /** The viewer's rights, checked against the read model when the command is new. */
  readonly check?: (viewerId: string) => Promise<void>;
}

export interface UserCommandRun {
  readonly viewerId: string;
  readonly result: CommandResult;
  /** Until when the payload may wait for the read model to show the change. */
  readonly deadline: number;
}

/** What is signed in, as a user id; anonymous requests get UNAUTHENTICATED. */
export function signedInUser(ctx: UsersContext, what: string): string {
  return validUserId('viewer', requireViewer(ctx.viewer.viewerId, what));
}

/** Publishes one `UserCommand` on users.commands, keyed by its aggregate, and awaits its outcome. */
export async function runUserCommand(ctx: UsersContext, spec: UserCommandSpec): Promise<UserCommandRun> {
  const viewerId = signedInUser(ctx, 'change your profile or relationships');
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
  const result = await bus.dispatch(
    {
      topic: commandsTopic,
      aggregateId: spec.aggregateId(viewerId),
      commandId,
      // A fresh id (no idempotency key) has no recorded decision to look up.
      resendable: hasIdempotencyKey(idempotencyKey),
      actorId: viewerId,
      trace: ctx.viewer.trace,
      encode: (envelope) =>
        toBinary(UserCommandSchema, create(UserCommandSchema, { envelope, command: spec.command(viewerId) })),
    },
    {
      sees: spec.sees && (() => spec.sees!(viewerId)),
      check: spec.check && (() => spec.check!(viewerId)),
    },
    { sentAt: ctx.viewer.sentAt },
  );
  return { viewerId, result, deadline };
}
