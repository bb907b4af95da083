import { limits, validLine, validText, validUrl, validUsername } from '@verograph/domain';

import { accept, reject, validated, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { Profile, UserCommand, UserEvent, UserState } from './userModel.ts';

type CreateProfile = Extract<UserCommand, { type: 'CreateProfile' }>;
type UpdateProfile = Extract<UserCommand, { type: 'UpdateProfile' }>;

/** The profile fields an update mask may name, in either spelling. */
const MASK_FIELDS: Readonly<Record<string, keyof Profile>> = {
  username: 'username',
  display_name: 'displayName',
  displayName: 'displayName',
  bio: 'bio',
  avatar_url: 'avatarUrl',
  avatarUrl: 'avatarUrl',
};

function validProfile(profile: Profile): Profile {
  return {
    username: validUsername(profile.username),
    displayName: validLine('displayName', profile.displayName, limits.displayNameMax, true),
    bio: validText('bio', profile.bio, limits.bioMax),
    avatarUrl: validUrl('avatarUrl', profile.avatarUrl),
  };
}

/** CreateProfile: a user creates their own profile, once, under a username nobody holds. */
export function decideCreateProfile(
  command: CreateProfile,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  if (command.userId !== actorId) return reject('FORBIDDEN', 'a profile can only be created by its own user');
  const profile = validated(() => validProfile(command.profile));
  if (!profile.ok) return { rejection: profile.rejection };
  if (state.profiles.has(command.userId)) {
    return reject('PROFILE_EXISTS', 'this user already has a profile; change it with updateProfile');
  }
  if (state.usernameHolder !== undefined && state.usernameHolder !== command.userId) {
    return reject('USERNAME_TAKEN', `the username "${profile.value.username}" is taken; choose another`);
  }
  return accept({ type: 'ProfileCreated', userId: command.userId, profile: profile.value });
}

/** UpdateProfile: only the fields the mask names change; a new username must be free. */
export function decideUpdateProfile(
  command: UpdateProfile,
  state: UserState,
  { actorId }: DecisionContext,
): Decision<UserEvent> {
  if (command.userId !== actorId) return reject('FORBIDDEN', 'a profile can only be changed by its own user');
  const current = state.profiles.get(command.userId);
  if (!current) return reject('PROFILE_REQUIRED', 'create a profile first');
  if (command.updateMask.length === 0) {
    return reject('BAD_USER_INPUT', 'update_mask must name at least one profile field');
  }
  const unknown = command.updateMask.filter((field) => !(field in MASK_FIELDS));
  if (unknown.length > 0) {
    return reject('BAD_USER_INPUT', `update_mask names unknown profile fields: ${unknown.join(', ')}`);
  }
  const changes: Partial<Record<keyof Profile, string>> = {};
  for (const field of command.updateMask) {
    const key = MASK_FIELDS[field]!;
    changes[key] = command.profile[key];
  }
  const profile = validated(() => validProfile({ ...current, ...changes }));
  if (!profile.ok) return { rejection: profile.rejection };
  if (
    profile.value.username !== current.username &&
    state.usernameHolder !== undefined &&
    state.usernameHolder !== command.userId
  ) {
    return reject('USERNAME_TAKEN', `the username "${profile.value.username}" is taken; choose another`);
  }
  return accept({ type: 'ProfileUpdated', userId: command.userId, profile: profile.value });
}
