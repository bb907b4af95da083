import type { estypes } from '@elastic/elasticsearch';
import type { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { evaluate } from '../testing/evaluateQuery.ts';
import { visiblePostsFilter } from './audienceFilter.ts';
import { MAX_QUERY_LENGTH, POST_CLAUSE, searchRequest, USER_CLAUSE, validQueryText } from './searchRequest.ts';

const indices = { users: 'users', posts: 'posts', audiences: 'audiences' };

const failure = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return { code: (error as DomainError).code, field: (error as DomainError).field };
  }
};

type Bool = estypes.QueryDslBoolQuery;
const clauses = (request: estypes.SearchRequest) =>
  (request.query!.bool!.should as estypes.QueryDslQueryContainer[]).map((q) => q.bool as Bool);
const clauseNamed = (request: estypes.SearchRequest, name: string) => clauses(request).find((c) => c._name === name);
const json = (value: unknown) => JSON.stringify(value);

describe('searchRequest', () => {
  it('given an anonymous viewer, when built, then it searches the users index only, with no audience lookup', () => {
    const request = searchRequest({ indices, text: 'alice', viewerId: undefined, size: 21, after: undefined });
    expect(request.index).toEqual(['users']);
    expect(clauses(request).map((c) => c._name)).toEqual([USER_CLAUSE]);
    expect(json(request)).not.toContain('audiences');
    expect(request.size).toBe(21);
    expect(request.search_after).toBeUndefined();
  });

  it('given a signed-in viewer, when built, then one request spans both indices and posts carry the audience filter', () => {
    const request = searchRequest({ indices, text: 'alice', viewerId: 'v1', size: 6, after: undefined });
    expect(request.index).toEqual(['users', 'posts']);
    const posts = clauseNamed(request, POST_CLAUSE)!;
    expect(posts.filter).toEqual([{ term: { _index: 'posts' } }, visiblePostsFilter(indices, 'v1')]);
    expect(posts.must_not).toEqual([{ term: { deleted: true } }]);
    expect(clauseNamed(request, USER_CLAUSE)!.filter).toEqual([{ term: { _index: 'users' } }]);
  });

  it('given text, when built, then names, captions and tags match fuzzily, with prefixes and exact names first', () => {
    const request = searchRequest({ indices, text: '#Sun', viewerId: 'v1', size: 6, after: undefined });
    const users = clauseNamed(request, USER_CLAUSE)!;
    expect(users.should).toEqual([
      { term: { 'username.raw': { value: '#sun', boost: 10 } } },
      { multi_match: { query: '#Sun', fields: ['username^3', 'display_name'], fuzziness: 'AUTO' } },
    ]);
    const posts = clauseNamed(request, POST_CLAUSE)!;
    expect(posts.should).toEqual([
      { term: { 'tags.raw': { value: 'sun', boost: 5 } } },
      { multi_match: { query: '#Sun', fields: ['caption', 'tags^2'], fuzziness: 'AUTO' } },
      { multi_match: { query: '#Sun', fields: ['caption', 'tags'], type: 'bool_prefix' } },
    ]);
    expect(users.minimum_should_match).toBe(1);
    expect(posts.minimum_should_match).toBe(1);
  });

  it('given a cursor, when built, then it sorts by score then id and resumes with search_after', () => {
    const request = searchRequest({
      indices,
      text: 'a',
      viewerId: undefined,
      size: 3,
      after: { score: 1.25, id: 'u9' },
    });
    expect(request.sort).toEqual([{ _score: { order: 'desc' } }, { id: { order: 'asc' } }]);
    expect(request.search_after).toEqual([1.25, 'u9']);
    expect(request._source).toBe(false);
  });

  it('given a deleted post by the viewer, when the posts filters apply, then it is never a hit', () => {
    const posts = clauseNamed(
      searchRequest({ indices, text: 'x', viewerId: 'me', size: 1, after: undefined }),
      POST_CLAUSE,
    )!;
    const filters = { bool: { filter: posts.filter, must_not: posts.must_not } };
    const live = { _index: 'posts', author_id: 'me', audience: 'CLOSE_FRIENDS', deleted: false };
    expect(evaluate(filters, live)).toBe(true);
    expect(evaluate(filters, { ...live, deleted: true })).toBe(false);
    expect(evaluate(filters, { _index: 'posts', author_id: 'me', deleted: true })).toBe(false);
    expect(evaluate(filters, { ...live, _index: 'users' })).toBe(false);
  });
});

describe('validQueryText', () => {
  it('given text with spaces around it, when validated, then it is trimmed', () => {
    expect(validQueryText('  alice  ')).toBe('alice');
  });

  it('given empty or oversized text, when validated, then BAD_USER_INPUT on query', () => {
    expect(failure(() => validQueryText('   '))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
    expect(validQueryText('a'.repeat(MAX_QUERY_LENGTH))).toHaveLength(MAX_QUERY_LENGTH);
    expect(failure(() => validQueryText('a'.repeat(MAX_QUERY_LENGTH + 1)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'query',
    });
  });
});
