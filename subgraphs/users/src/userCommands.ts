import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import type { CommandResult, CommandSpec } from '@verograph/subgraph-kit';
import { sendViewerCommand, signedInViewer } from '@verograph/subgraph-kit';

import type { UsersContext } from './context.ts';

export interface UserCommandSpec extends CommandSpec {
  /** The user id for profiles and follows, the connection id for connections. */
  readonly aggregateId: (viewerId: string) => string;
  readonly command: (viewerId: string) => MessageInitShape<typeof UserCommandSchema>['command'];
}

export interface UserCommandRun {
  readonly viewerId: string;
  readonly result: CommandResult;
  /** Until when the payload may wait for the read model to show the change. */
  readonly deadline: number;
}

/** What is signed in, as a user id; anonymous requests get UNAUTHENTICATED. */
export function signedInUser(ctx: UsersContext, what: string): string {
  return signedInViewer(ctx.viewer, what);
}

/** Publishes one `UserCommand` on users.commands, keyed by its aggregate, and awaits its outcome. */
export async function runUserCommand(ctx: UsersContext, spec: UserCommandSpec): Promise<UserCommandRun> {
  const { viewerId, result, deadline } = await sendViewerCommand(ctx.viewer, ctx.services, {
    ...spec,
    signInTo: 'change your profile or relationships',
    aggregateId: ({ viewerId }) => spec.aggregateId(viewerId),
    encode: (envelope, { viewerId }) =>
      toBinary(UserCommandSchema, create(UserCommandSchema, { envelope, command: spec.command(viewerId) })),
  });
  return { viewerId, result, deadline };
}
