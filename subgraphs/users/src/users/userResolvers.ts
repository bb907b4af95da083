import { DomainError, validUserId, validUsername } from '@verograph/domain';

import type { UsersContext } from '../context.ts';
import type { UserRow } from './usersStore.ts';

/** A User the gateway asks this subgraph to complete: only its key is known. */
interface UserReference {
  readonly id: string;
}

/** A user id from a reference or an argument; a malformed one can name nobody. */
function wellFormed(id: string): boolean {
  try {
    validUserId('id', id);
    return true;
  } catch {
    return false;
  }
}

/** Query.me, Query.user and the User entity with every field this subgraph owns. */
export const userResolvers = {
  Query: {
    async me(_: unknown, __: unknown, ctx: UsersContext): Promise<UserRow | null> {
      const viewerId = ctx.viewer.viewerId;
      if (viewerId === undefined) return null;
      return (await ctx.loaders.user.load(viewerId)) ?? null;
    },

    async user(
      _: unknown,
      args: { id?: string | null; username?: string | null },
      ctx: UsersContext,
    ): Promise<UserRow | null> {
      const byId = args.id !== null && args.id !== undefined;
      const byName = args.username !== null && args.username !== undefined;
      if (byId === byName) {
        throw new DomainError('BAD_USER_INPUT', 'Give exactly one of id and username.', {
          field: byId ? 'username' : 'id',
        });
      }
      if (byId) return (await ctx.loaders.user.load(validUserId('id', args.id!))) ?? null;
      const userId = await ctx.loaders.userIdByUsername.load(validUsername(args.username!));
      return userId === undefined ? null : ((await ctx.loaders.user.load(userId)) ?? null);
    },
  },

  User: {
    /** Batched: every reference in one gateway fetch becomes one `IN` query. */
    async __resolveReference(reference: UserReference, ctx: UsersContext): Promise<UserRow | null> {
      if (!wellFormed(reference.id)) return null;
      return (await ctx.loaders.user.load(reference.id)) ?? null;
    },

    async followerCount(user: UserRow, _: unknown, ctx: UsersContext): Promise<number> {
      return (await ctx.loaders.counts.load(user.id))?.followers ?? 0;
    },
    async followingCount(user: UserRow, _: unknown, ctx: UsersContext): Promise<number> {
      return (await ctx.loaders.counts.load(user.id))?.following ?? 0;
    },
    async connectionCount(user: UserRow, _: unknown, ctx: UsersContext): Promise<number> {
      return (await ctx.loaders.counts.load(user.id))?.connections ?? 0;
    },

    async viewerIsFollowing(user: UserRow, _: unknown, ctx: UsersContext): Promise<boolean> {
      const viewerId = ctx.viewer.viewerId;
      if (viewerId === undefined || viewerId === user.id) return false;
      return (await ctx.loaders.viewerFollows.load(user.id)) === true;
    },

    async viewerConnectionLevel(user: UserRow, _: unknown, ctx: UsersContext): Promise<string | null> {
      const viewerId = ctx.viewer.viewerId;
      if (viewerId === undefined || viewerId === user.id) return null;
      const side = await ctx.loaders.viewerConnection.load(user.id);
      return side?.state === 'CONNECTED' ? (side.myLevel ?? null) : null;
    },
  },
};
