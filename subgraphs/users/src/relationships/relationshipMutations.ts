import type { ConnectionLevel } from '@verograph/domain';
import { connectionId, DomainError, validUserId } from '@verograph/domain';
import { ConnectionLevel as ProtoConnectionLevel } from '@verograph/contracts/users/v1/users';
import type { PayloadBase } from '@verograph/subgraph-kit';
import { awaitReadModel, payloadBase } from '@verograph/subgraph-kit';

import type { UsersContext } from '../context.ts';
import type { UserCommandSpec } from '../userCommands.ts';
import { runUserCommand, signedInUser } from '../userCommands.ts';
import type { UserRow } from '../users/usersStore.ts';
import type { ConnectionSide } from './relationshipsStore.ts';

export interface RelationshipPayload extends PayloadBase {
  /** The other user, as the viewer now sees them. */
  readonly user: UserRow | null;
}

interface TargetArgs {
  readonly userId: string;
  readonly clientMutationId?: string | null;
}

interface LevelArgs extends TargetArgs {
  readonly level: ConnectionLevel;
}

const protoLevel: Record<ConnectionLevel, ProtoConnectionLevel> = {
  CLOSE_FRIEND: ProtoConnectionLevel.CLOSE_FRIEND,
  FRIEND: ProtoConnectionLevel.FRIEND,
  ACQUAINTANCE: ProtoConnectionLevel.ACQUAINTANCE,
};

/**
 * Checks common to every relationship: a well-formed target that is not the viewer, a
 * viewer with a profile (so they can be shown to the other side), and a target that exists.
 */
async function validTarget(ctx: UsersContext, viewerId: string, rawTarget: string): Promise<string> {
  const target = validUserId('userId', rawTarget);
  if (target === viewerId) {
    throw new DomainError('CANNOT_TARGET_SELF', 'You cannot do this with yourself; give another user id.', {
      field: 'userId',
    });
  }
  const [viewer, other] = await Promise.all([ctx.loaders.user.load(viewerId), ctx.loaders.user.load(target)]);
  if (!viewer) throw new DomainError('PROFILE_REQUIRED', 'Create your profile first (createProfile).');
  if (!other) throw new DomainError('NOT_FOUND', `There is no user with id "${target}".`, { field: 'userId' });
  return target;
}

/**
 * Runs a relationship command and, once APPLIED, waits (within the mutation's wait) for the
 * read model to show it, so the payload's user already reflects the change.
 */
async function relationship(
  ctx: UsersContext,
  args: TargetArgs,
  spec: Omit<UserCommandSpec, 'clientMutationId' | 'scope' | 'check' | 'aggregateId' | 'command'> & {
    readonly connection: boolean;
    readonly command: (viewerId: string, target: string) => ReturnType<UserCommandSpec['command']>;
    readonly check: (side: ConnectionSide | undefined, following: boolean) => void;
    /** Whether fresh reads show the change. */
    readonly shows: (side: ConnectionSide | undefined, following: boolean) => boolean;
  },
): Promise<RelationshipPayload> {
  const viewerId = signedInUser(ctx, 'change your relationships');
  const target = validUserId('userId', args.userId);
  const run = await runUserCommand(ctx, {
    mutation: spec.mutation,
    aggregateId: (viewer) => (spec.connection ? connectionId(viewer, target) : viewer),
    scope: [target],
    clientMutationId: args.clientMutationId,
    command: (viewer) => spec.command(viewer, target),
    async check(viewer) {
      await validTarget(ctx, viewer, target);
      const [side, follows] = await Promise.all([
        ctx.loaders.viewerConnection.load(target),
        ctx.loaders.viewerFollows.load(target),
      ]);
      spec.check(side, follows === true);
    },
  });
  let user: UserRow | null = null;
  if (run.result.status === 'APPLIED') {
    const { relationships } = ctx.services;
    await awaitReadModel(async () => {
      const [sides, followees] = await Promise.all([
        relationships.connectionsAmong(viewerId, [target]),
        relationships.followeesAmong(viewerId, [target]),
      ]);
      return spec.shows(sides.get(target), followees.has(target));
    }, run.deadline);
    ctx.loaders.viewerConnection.clear(target);
    ctx.loaders.viewerFollows.clear(target);
    user = (await ctx.loaders.user.load(target)) ?? null;
  }
  return { ...payloadBase(run.result, args.clientMutationId), user };
}

/**
 * follow, unfollow and the connection life cycle: request, then accept, decline or cancel;
 * file at a level; remove.
 */
export const relationshipResolvers = {
  Mutation: {
    follow: (_: unknown, args: TargetArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'follow',
        connection: false,
        command: (viewerId, target) => ({ case: 'follow', value: { followerId: viewerId, followeeId: target } }),
        check: (_side, following) => {
          if (following) throw new DomainError('ALREADY_FOLLOWING', 'You already follow this user.');
        },
        shows: (_side, following) => following,
      }),

    unfollow: (_: unknown, args: TargetArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'unfollow',
        connection: false,
        command: (viewerId, target) => ({ case: 'unfollow', value: { followerId: viewerId, followeeId: target } }),
        check: (_side, following) => {
          if (!following) throw new DomainError('NOT_FOLLOWING', 'You do not follow this user.');
        },
        shows: (_side, following) => !following,
      }),

    requestConnection: (_: unknown, args: LevelArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'requestConnection',
        connection: true,
        command: (viewerId, target) => ({
          case: 'requestConnection',
          value: { requesterId: viewerId, addresseeId: target, level: protoLevel[args.level] },
        }),
        check: (side) => {
          if (side?.state === 'CONNECTED') throw new DomainError('CONNECTION_EXISTS', 'You are already connected.');
          if (side?.state === 'OUTGOING') {
            throw new DomainError('CONNECTION_EXISTS', 'You already asked; wait for them to accept.');
          }
          if (side?.state === 'INCOMING') {
            throw new DomainError('CONNECTION_EXISTS', 'They already asked you; answer with acceptConnection.');
          }
        },
        shows: (side) => side !== undefined,
      }),

    acceptConnection: (_: unknown, args: LevelArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'acceptConnection',
        connection: true,
        command: (viewerId, target) => ({
          case: 'acceptConnection',
          value: { accepterId: viewerId, requesterId: target, level: protoLevel[args.level] },
        }),
        check: (side) => {
          if (side?.state !== 'INCOMING') {
            throw new DomainError('NO_PENDING_REQUEST', 'This user has not asked to connect with you.');
          }
        },
        shows: (side) => side?.state === 'CONNECTED',
      }),

    setConnectionLevel: (_: unknown, args: LevelArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'setConnectionLevel',
        connection: true,
        command: (viewerId, target) => ({
          case: 'setConnectionLevel',
          value: { userId: viewerId, otherId: target, level: protoLevel[args.level] },
        }),
        check: (side) => {
          if (side?.state !== 'CONNECTED')
            throw new DomainError('NOT_CONNECTED', 'You are not connected with this user.');
        },
        shows: (side) => side?.state === 'CONNECTED' && side.myLevel === args.level,
      }),

    declineConnection: (_: unknown, args: TargetArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'declineConnection',
        connection: true,
        command: (viewerId, target) => ({
          case: 'declineConnection',
          value: { declinerId: viewerId, requesterId: target },
        }),
        check: (side) => {
          if (side?.state === 'CONNECTED') {
            throw new DomainError('CONNECTION_EXISTS', 'You are connected; use removeConnection to disconnect.');
          }
          if (side?.state !== 'INCOMING') {
            throw new DomainError('NO_PENDING_REQUEST', 'This user has not asked to connect with you.');
          }
        },
        shows: (side) => side === undefined,
      }),

    cancelConnectionRequest: (_: unknown, args: TargetArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'cancelConnectionRequest',
        connection: true,
        command: (viewerId, target) => ({
          case: 'cancelConnectionRequest',
          value: { requesterId: viewerId, addresseeId: target },
        }),
        check: (side) => {
          if (side?.state === 'CONNECTED') {
            throw new DomainError('CONNECTION_EXISTS', 'You are connected; use removeConnection to disconnect.');
          }
          if (side?.state !== 'OUTGOING') {
            throw new DomainError('NO_PENDING_REQUEST', 'You have not asked this user to connect.');
          }
        },
        shows: (side) => side === undefined,
      }),

    removeConnection: (_: unknown, args: TargetArgs, ctx: UsersContext) =>
      relationship(ctx, args, {
        mutation: 'removeConnection',
        connection: true,
        command: (viewerId, target) => ({ case: 'removeConnection', value: { userId: viewerId, otherId: target } }),
        check: (side) => {
          if (side === undefined) {
            throw new DomainError('NOT_CONNECTED', 'You are not connected with this user, nor is a request pending.');
          }
        },
        shows: (side) => side === undefined,
      }),
  },
};
