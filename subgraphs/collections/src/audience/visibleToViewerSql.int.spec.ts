import type { Audience, AuthorRelation, ConnectionLevel } from '@verograph/domain';
import { audiences, canSee, connectionLevels } from '@verograph/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshPostgresSchema, type TestSchema } from '../testing/testEngines.ts';
import { visibleToViewerSql } from './visibleToViewerSql.ts';

/**
 * The predicate as PostgreSQL evaluates it, against the domain's `canSee`, for every audience
 * and every relation a viewer can have to an author (each level or none, following or not),
 * plus the author themself.
 */
describe('visibleToViewerSql on PostgreSQL', () => {
  let db: TestSchema;
  const levels: Array<ConnectionLevel | undefined> = [undefined, ...connectionLevels];
  const viewers = levels.flatMap((level) =>
    [false, true].map((follows) => ({ id: `v-${level ?? 'none'}-${follows}`, relation: { level, follows } })),
  );

  beforeAll(async () => {
    db = await freshPostgresSchema('audience_sql');
    for (const audience of audiences) {
      await db.pool.query('INSERT INTO post_audiences (post_id, author_id, audience) VALUES ($1, $2, $3)', [
        `post-${audience}`,
        'author',
        audience,
      ]);
    }
    for (const { id, relation } of viewers) {
      // A grant that admits nothing is never kept by the projector; without a row the LEFT JOIN gives NULLs.
      if (relation.level === undefined && !relation.follows) continue;
      await db.pool.query(
        'INSERT INTO audience_grants (author_id, viewer_id, follows, level) VALUES ($1, $2, $3, $4)',
        ['author', id, relation.follows, relation.level ?? null],
      );
    }
  });

  afterAll(async () => {
    await db.drop();
  });

  const visibleTo = async (viewerId: string): Promise<Audience[]> => {
    const { rows } = await db.pool.query<{ audience: Audience }>(
      `SELECT pa.audience FROM post_audiences pa
         LEFT JOIN audience_grants g ON g.author_id = pa.author_id AND g.viewer_id = $1
        WHERE ${visibleToViewerSql({ post: 'pa', grant: 'g', viewer: '$1' })}`,
      [viewerId],
    );
    return audiences.filter((a) => rows.some((r) => r.audience === a));
  };

  it('given every audience × relation, when PostgreSQL filters, then it admits exactly what canSee admits', async () => {
    for (const { id, relation } of viewers) {
      const expected = audiences.filter((audience) => canSee(id, { authorId: 'author', audience }, relation));
      expect(await visibleTo(id), `${JSON.stringify(relation)}`).toEqual(expected);
    }
  });

  it('given a grant row that admits nothing, when PostgreSQL filters, then it admits nothing', async () => {
    await db.pool.query(
      "INSERT INTO audience_grants (author_id, viewer_id, follows, level) VALUES ('author', 'v-empty', false, NULL)",
    );
    const relation: AuthorRelation = { follows: false };
    expect(audiences.filter((a) => canSee('v-empty', { authorId: 'author', audience: a }, relation))).toEqual([]);
    expect(await visibleTo('v-empty')).toEqual([]);
  });

  it('given the author, when PostgreSQL filters, then every audience is theirs', async () => {
    expect(await visibleTo('author')).toEqual(audiences);
  });
});
