import { describe, expect, it } from 'vitest';

import { visibleToViewerSql } from '../audience/visibleToViewerSql.ts';
import { postVisibleSql, visibleItemCountsSql, visibleItemPagesSql } from './itemQueries.ts';

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const predicate = visibleToViewerSql({ post: 'pa', grant: 'g', viewer: '$2' });

describe('visibleItemPagesSql', () => {
  it('given no cursor, when built, then it pages every collection in the owner order with the audience rule', () => {
    const { text, values } = visibleItemPagesSql(['c1', 'c2'], 'viewer', undefined, 21);
    expect(values).toEqual([['c1', 'c2'], 'viewer', 21]);
    const sql = squash(text);
    expect(sql).toContain('FROM unnest($1::text[]) AS c(id) CROSS JOIN LATERAL');
    expect(sql).toContain('JOIN post_audiences pa ON pa.post_id = ci.post_id AND NOT pa.deleted');
    expect(sql).toContain('LEFT JOIN audience_grants g ON g.author_id = pa.author_id AND g.viewer_id = $2');
    expect(sql).toContain(`AND ${predicate}`);
    expect(sql).toContain('ORDER BY ci.position, ci.post_id LIMIT $3');
    expect(sql).not.toContain('$4');
  });

  it('given a cursor, when built, then it resumes strictly after (position, post id)', () => {
    const { text, values } = visibleItemPagesSql(['c1'], 'viewer', { position: '7', postId: 'p7' }, 6);
    expect(values).toEqual([['c1'], 'viewer', 6, '7', 'p7']);
    expect(squash(text)).toContain('AND (ci.position, ci.post_id) > ($4::bigint, $5::text)');
  });
});

describe('visibleItemCountsSql', () => {
  it('given collections, when built, then it counts only visible, undeleted items per collection', () => {
    const { text, values } = visibleItemCountsSql(['c1', 'c2'], 'viewer');
    expect(values).toEqual([['c1', 'c2'], 'viewer']);
    const sql = squash(text);
    expect(sql).toContain('AND NOT pa.deleted');
    expect(sql).toContain('WHERE ci.collection_id = ANY($1::text[])');
    expect(sql).toContain(`AND ${predicate}`);
    expect(sql).toContain('GROUP BY ci.collection_id');
  });
});

describe('postVisibleSql', () => {
  it('given a post and a viewer, when built, then it asks the same rule of that one post', () => {
    const { text, values } = postVisibleSql('p1', 'viewer');
    expect(values).toEqual(['p1', 'viewer']);
    const sql = squash(text);
    expect(sql).toContain('WHERE pa.post_id = $1 AND NOT pa.deleted');
    expect(sql).toContain(`AND ${predicate}`);
  });
});
