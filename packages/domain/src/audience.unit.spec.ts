import { describe, expect, it } from 'vitest';

import type { Audience, AuthorRelation } from './audience.ts';
import { audiences, canSee, visibleAudiences } from './audience.ts';

const post = (audience: Audience) => ({ authorId: 'author', audience });

describe('canSee', () => {
  const table: Array<[string, AuthorRelation, Audience[]]> = [
    [
      'a close friend',
      { level: 'CLOSE_FRIEND', follows: false },
      ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'],
    ],
    ['a friend', { level: 'FRIEND', follows: false }, ['FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS']],
    ['an acquaintance', { level: 'ACQUAINTANCE', follows: false }, ['ACQUAINTANCES', 'FOLLOWERS']],
    ['a follower', { follows: true }, ['FOLLOWERS']],
    ['an acquaintance who also follows', { level: 'ACQUAINTANCE', follows: true }, ['ACQUAINTANCES', 'FOLLOWERS']],
    ['a stranger', { follows: false }, []],
  ];
  for (const [who, relation, visible] of table) {
    it(`lets ${who} see exactly ${visible.join(', ') || 'nothing'}`, () => {
      expect(audiences.filter((a) => canSee('viewer', post(a), relation))).toEqual(visible);
      expect(visibleAudiences(relation)).toEqual(visible);
    });
  }

  it('always lets the author see their own posts', () => {
    for (const a of audiences) expect(canSee('author', post(a), { follows: false })).toBe(true);
  });

  it('shows nothing to an anonymous viewer', () => {
    for (const a of audiences) expect(canSee(undefined, post(a), { level: 'CLOSE_FRIEND', follows: true })).toBe(false);
  });
});
