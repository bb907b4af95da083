import { DomainError, limits, validLine, validText, validUrl, validUsername } from '@verograph/domain';

export interface CreateProfileInput {
  readonly username: string;
  readonly displayName: string;
  readonly bio?: string | null;
  readonly avatarUrl?: string | null;
  readonly clientMutationId?: string | null;
}

export interface UpdateProfileInput {
  readonly displayName?: string | null;
  readonly bio?: string | null;
  readonly avatarUrl?: string | null;
  readonly clientMutationId?: string | null;
}

/** A profile as the writer stores it: every field present, empty strings for "none". */
export interface ValidProfile {
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string;
}

/** Validates createProfile's input: a well-formed username, a display name, optional bio and avatar. */
export function validNewProfile(input: CreateProfileInput): ValidProfile {
  return {
    username: validUsername(input.username),
    displayName: validLine('displayName', input.displayName, limits.displayNameMax, true),
    bio: validText('bio', input.bio, limits.bioMax),
    avatarUrl: validUrl('avatarUrl', input.avatarUrl),
  };
}

/** The fields updateProfile changes, and their `update_mask` (protobuf field names). */
export interface ProfileChanges {
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string;
  readonly updateMask: readonly ('display_name' | 'bio' | 'avatar_url')[];
}

/**
 * Validates updateProfile's input. A field left out stays as it is; `bio: null` and
 * `avatarUrl: null` clear them; the display name can change but not be removed.
 */
export function validProfileChanges(input: UpdateProfileInput): ProfileChanges {
  const mask: ProfileChanges['updateMask'][number][] = [];
  let displayName = '';
  let bio = '';
  let avatarUrl = '';
  if (input.displayName !== undefined) {
    if (input.displayName === null) {
      throw new DomainError('BAD_USER_INPUT', 'displayName cannot be removed; give a new one', {
        field: 'displayName',
      });
    }
    displayName = validLine('displayName', input.displayName, limits.displayNameMax, true);
    mask.push('display_name');
  }
  if (input.bio !== undefined) {
    bio = validText('bio', input.bio, limits.bioMax);
    mask.push('bio');
  }
  if (input.avatarUrl !== undefined) {
    avatarUrl = validUrl('avatarUrl', input.avatarUrl);
    mask.push('avatar_url');
  }
  if (mask.length === 0) {
    throw new DomainError('BAD_USER_INPUT', 'Give at least one of displayName, bio and avatarUrl to change.');
  }
  return { displayName, bio, avatarUrl, updateMask: mask };
}
