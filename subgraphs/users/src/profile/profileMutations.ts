import { DomainError } from '@verograph/domain';
import type { PayloadBase } from '@verograph/subgraph-kit';
import { awaitReadModel, payloadBase } from '@verograph/subgraph-kit';

import type { UsersContext } from '../context.ts';
import { runUserCommand } from '../userCommands.ts';
import type { UserRow } from '../users/usersStore.ts';
import type { CreateProfileInput, UpdateProfileInput } from './profileInput.ts';
import { validNewProfile, validProfileChanges } from './profileInput.ts';

export interface ProfilePayload extends PayloadBase {
  readonly user: UserRow | null;
}

/** The viewer's profile once the read model shows `shows(profile)`, or as it is at the deadline. */
async function viewerProfile(
  ctx: UsersContext,
  viewerId: string,
  deadline: number,
  shows: (profile: UserRow) => boolean,
): Promise<UserRow | null> {
  await awaitReadModel(async () => {
    const profile = (await ctx.services.users.usersByIds([viewerId])).get(viewerId);
    return profile !== undefined && shows(profile);
  }, deadline);
  ctx.loaders.user.clear(viewerId);
  return (await ctx.loaders.user.load(viewerId)) ?? null;
}

/** createProfile and updateProfile: the viewer's own profile; the writer has the last word on usernames. */
export const profileResolvers = {
  Mutation: {
    async createProfile(
      _: unknown,
      { input }: { input: CreateProfileInput },
      ctx: UsersContext,
    ): Promise<ProfilePayload> {
      const profile = validNewProfile(input);
      const run = await runUserCommand(ctx, {
        mutation: 'createProfile',
        aggregateId: (viewerId) => viewerId,
        clientMutationId: input.clientMutationId,
        command: (viewerId) => ({ case: 'createProfile', value: { userId: viewerId, profile } }),
        async check(viewerId) {
          if (await ctx.loaders.user.load(viewerId)) {
            throw new DomainError('PROFILE_EXISTS', 'You already have a profile; change it with updateProfile.');
          }
          // A pre-check for a clear answer; the writer claims the name with a lightweight transaction.
          const holder = await ctx.loaders.userIdByUsername.load(profile.username);
          if (holder !== undefined && holder !== viewerId) {
            throw new DomainError('USERNAME_TAKEN', `The username "${profile.username}" is taken; choose another.`, {
              field: 'username',
            });
          }
        },
      });
      const user =
        run.result.status === 'APPLIED' ? await viewerProfile(ctx, run.viewerId, run.deadline, () => true) : null;
      return { ...payloadBase(run.result, input.clientMutationId), user };
    },

    async updateProfile(
      _: unknown,
      { input }: { input: UpdateProfileInput },
      ctx: UsersContext,
    ): Promise<ProfilePayload> {
      const changes = validProfileChanges(input);
      const run = await runUserCommand(ctx, {
        mutation: 'updateProfile',
        aggregateId: (viewerId) => viewerId,
        clientMutationId: input.clientMutationId,
        command: (viewerId) => ({
          case: 'updateProfile',
          value: {
            userId: viewerId,
            profile: { displayName: changes.displayName, bio: changes.bio, avatarUrl: changes.avatarUrl },
            updateMask: [...changes.updateMask],
          },
        }),
        async check(viewerId) {
          if (!(await ctx.loaders.user.load(viewerId))) {
            throw new DomainError('PROFILE_REQUIRED', 'Create your profile first (createProfile).');
          }
        },
      });
      const user =
        run.result.status === 'APPLIED'
          ? await viewerProfile(ctx, run.viewerId, run.deadline, (profile) =>
              changes.updateMask.every((field) =>
                field === 'display_name'
                  ? profile.displayName === changes.displayName
                  : field === 'bio'
                    ? profile.bio === changes.bio
                    : (profile.avatarUrl ?? '') === changes.avatarUrl,
              ),
            )
          : null;
      return { ...payloadBase(run.result, input.clientMutationId), user };
    },
  },
};
