import type { AuthorRelation, ConnectionLevel } from '@verograph/domain';
import { audiences, canSee, connectionLevels } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { admits, audienceAdmissions } from './audienceAdmissions.ts';
import { visibleToViewerSql } from './visibleToViewerSql.ts';

const levels: Array<ConnectionLevel | undefined> = [undefined, ...connectionLevels];
const relations: AuthorRelation[] = levels.flatMap((level) => [
  { level, follows: false },
  { level, follows: true },
]);

describe('audienceAdmissions', () => {
  it('given every audience × relation, when the table decides, then it agrees with canSee', () => {
    const table = audienceAdmissions();
    for (const audience of audiences) {
      for (const relation of relations) {
        const expected = canSee('viewer', { authorId: 'author', audience }, relation);
        expect(admits(table, audience, relation), `${audience} for ${JSON.stringify(relation)}`).toBe(expected);
      }
    }
  });

  it('given the domain rule, when read as a table, then it names the admitted levels and following', () => {
    expect(audienceAdmissions()).toEqual([
      { audience: 'CLOSE_FRIENDS', levels: ['CLOSE_FRIEND'], byFollowing: false },
      { audience: 'FRIENDS', levels: ['CLOSE_FRIEND', 'FRIEND'], byFollowing: false },
      { audience: 'ACQUAINTANCES', levels: ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'], byFollowing: false },
      { audience: 'FOLLOWERS', levels: ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'], byFollowing: true },
    ]);
  });
});

describe('visibleToViewerSql', () => {
  it('given the table, when written as SQL, then each audience admits exactly its levels and followers', () => {
    expect(visibleToViewerSql({ post: 'pa', grant: 'g', viewer: '$2' })).toBe(
      "(pa.author_id = $2 OR (pa.audience = 'CLOSE_FRIENDS' AND (g.level IN ('CLOSE_FRIEND')))" +
        " OR (pa.audience = 'FRIENDS' AND (g.level IN ('CLOSE_FRIEND', 'FRIEND')))" +
        " OR (pa.audience = 'ACQUAINTANCES' AND (g.level IN ('CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE')))" +
        " OR (pa.audience = 'FOLLOWERS' AND (g.level IN ('CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE') OR g.follows)))",
    );
  });

  it('given an audience that admits nobody but its author, when written as SQL, then it gets no clause', () => {
    const sql = visibleToViewerSql({ post: 'p', grant: 'g', viewer: '$1' }, [
      { audience: 'CLOSE_FRIENDS', levels: [], byFollowing: false },
      { audience: 'FOLLOWERS', levels: [], byFollowing: true },
    ]);
    expect(sql).toBe("(p.author_id = $1 OR (p.audience = 'FOLLOWERS' AND (g.follows)))");
  });

  it('given a value that is not an enum word, when inlined, then it refuses rather than write unsafe SQL', () => {
    expect(() =>
      visibleToViewerSql({ post: 'p', grant: 'g', viewer: '$1' }, [
        { audience: "FOLLOWERS' OR 1=1 --" as never, levels: [], byFollowing: true },
      ]),
    ).toThrow(/not an enum value/);
  });
});
