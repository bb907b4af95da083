import type { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { validNewProfile, validProfileChanges } from './profileInput.ts';

const failure = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    const e = error as DomainError;
    return { code: e.code, field: e.field };
  }
};

describe('createProfile input', () => {
  it('normalises the username and fills absent optional fields with empty strings', () => {
    expect(validNewProfile({ username: '  Ada.Lovelace ', displayName: ' Ada ' })).toEqual({
      username: 'ada.lovelace',
      displayName: 'Ada',
      bio: '',
      avatarUrl: '',
    });
  });

  it('refuses a malformed username, an empty display name, an oversized bio and a non-http avatar', () => {
    expect(failure(() => validNewProfile({ username: 'a!', displayName: 'A' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'username',
    });
    expect(failure(() => validNewProfile({ username: 'ada', displayName: '  ' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'displayName',
    });
    expect(failure(() => validNewProfile({ username: 'ada', displayName: 'A', bio: 'x'.repeat(501) }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'bio',
    });
    expect(
      failure(() => validNewProfile({ username: 'ada', displayName: 'A', avatarUrl: 'javascript:alert(1)' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'avatarUrl' });
  });
});

describe('updateProfile input', () => {
  it('changes only the fields given, clearing those given as null', () => {
    expect(validProfileChanges({ bio: null, avatarUrl: 'https://example.org/a.png' })).toEqual({
      displayName: '',
      bio: '',
      avatarUrl: 'https://example.org/a.png',
      updateMask: ['bio', 'avatar_url'],
    });
  });

  it('refuses an empty change and a removed display name', () => {
    expect(failure(() => validProfileChanges({ clientMutationId: 'x' }))?.code).toBe('BAD_USER_INPUT');
    expect(failure(() => validProfileChanges({ displayName: null }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'displayName',
    });
  });
});
