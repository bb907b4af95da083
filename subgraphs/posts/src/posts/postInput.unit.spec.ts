import type { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { validNewPost } from './postInput.ts';

const failure = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    const e = error as DomainError;
    return { code: e.code, field: e.field };
  }
};

describe('createPost input', () => {
  it('trims the caption, normalises the url and the tags', () => {
    expect(
      validNewPost({
        kind: 'PHOTO',
        audience: 'FRIENDS',
        caption: '  Sunset  ',
        url: 'https://example.org/sunset.jpg',
        tags: ['#Beach', 'beach', ' sun '],
      }),
    ).toEqual({
      kind: 'PHOTO',
      audience: 'FRIENDS',
      caption: 'Sunset',
      url: 'https://example.org/sunset.jpg',
      tags: ['beach', 'sun'],
    });
  });

  it('needs a caption for TEXT, a url for LINK, and one of them for anything', () => {
    expect(failure(() => validNewPost({ kind: 'TEXT', audience: 'FOLLOWERS', url: 'https://e.org' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'caption',
    });
    expect(failure(() => validNewPost({ kind: 'LINK', audience: 'FOLLOWERS', caption: 'look' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'url',
    });
    expect(failure(() => validNewPost({ kind: 'BOOK', audience: 'FOLLOWERS' }))?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses an oversized caption, a non-http url and malformed or too many tags', () => {
    expect(failure(() => validNewPost({ kind: 'TEXT', audience: 'FRIENDS', caption: 'x'.repeat(2201) }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'caption',
    });
    expect(failure(() => validNewPost({ kind: 'LINK', audience: 'FRIENDS', url: 'ftp://e.org/f' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'url',
    });
    expect(
      failure(() => validNewPost({ kind: 'TEXT', audience: 'FRIENDS', caption: 'hi', tags: ['no spaces'] })),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'tags',
    });
    const many = Array.from({ length: 31 }, (_, i) => `t${i}`);
    expect(failure(() => validNewPost({ kind: 'TEXT', audience: 'FRIENDS', caption: 'hi', tags: many }))?.field).toBe(
      'tags',
    );
  });
});
