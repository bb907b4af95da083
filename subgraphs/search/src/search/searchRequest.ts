import type { estypes } from '@elastic/elasticsearch';
import { DomainError } from '@verograph/domain';

import { visiblePostsFilter } from './audienceFilter.ts';
import type { SearchKey } from './searchCursor.ts';
import type { SearchIndices } from './searchIndices.ts';

/** The longest query text accepted: a search box, not a document. */
export const MAX_QUERY_LENGTH = 200;

/** Names on the two halves of the query: a hit's `matched_queries` says which kind it is. */
export const USER_CLAUSE = 'user';
export const POST_CLAUSE = 'post';

/** The query text, trimmed; empty or oversized text is BAD_USER_INPUT on `query`. */
export function validQueryText(raw: string): string {
  const text = raw.trim();
  if (text.length === 0) {
    throw new DomainError('BAD_USER_INPUT', 'query must not be empty; type a name, a word or a #tag', {
      field: 'query',
    });
  }
  if ([...text].length > MAX_QUERY_LENGTH) {
    throw new DomainError('BAD_USER_INPUT', `query must be at most ${MAX_QUERY_LENGTH} characters long`, {
      field: 'query',
    });
  }
  return text;
}

/**
 * Users by username and display name: an exact username first, then fuzzy matches (AUTO edits
 * per term, so "alcie" finds alice); the fields' edge-ngram analyzer makes every word a prefix
 * match too ("ali" finds alice).
 */
function usersClause(indices: SearchIndices, text: string): estypes.QueryDslQueryContainer {
  return {
    bool: {
      _name: USER_CLAUSE,
      filter: [{ term: { _index: indices.users } }],
      should: [
        { term: { 'username.raw': { value: text.toLowerCase(), boost: 10 } } },
        { multi_match: { query: text, fields: ['username^3', 'display_name'], fuzziness: 'AUTO' } },
      ],
      minimum_should_match: 1,
    },
  };
}

/**
 * Posts by caption and tags that the viewer may see: fuzzy words, the last word as a prefix (the
 * posts fields have no edge-ngrams, so `bool_prefix` does that part), an exact tag first; never
 * a deleted post; only what the viewer's audiences doc admits.
 */
function postsClause(indices: SearchIndices, text: string, viewerId: string): estypes.QueryDslQueryContainer {
  const tag = text.replace(/^#/, '').toLowerCase();
  return {
    bool: {
      _name: POST_CLAUSE,
      filter: [{ term: { _index: indices.posts } }, visiblePostsFilter(indices, viewerId)],
      must_not: [{ term: { deleted: true } }],
      should: [
        { term: { 'tags.raw': { value: tag, boost: 5 } } },
        { multi_match: { query: text, fields: ['caption', 'tags^2'], fuzziness: 'AUTO' } },
        { multi_match: { query: text, fields: ['caption', 'tags'], type: 'bool_prefix' } },
      ],
      minimum_should_match: 1,
    },
  };
}

export interface SearchRequestInput {
  readonly indices: SearchIndices;
  /** Validated query text (`validQueryText`). */
  readonly text: string;
  /** The signed-in viewer; anonymous viewers search users only. */
  readonly viewerId: string | undefined;
  /** Hits to ask for: the page size plus one, to know whether there is a next page. */
  readonly size: number;
  readonly after: SearchKey | undefined;
}

/**
 * One search across the users and posts indices: relevance first, the id as the tie-breaker,
 * `search_after` for the next page. Only sort values come back (`_source: false`): the subgraph
 * answers entity references, and the owning subgraphs fill them in.
 */
export function searchRequest(input: SearchRequestInput): estypes.SearchRequest {
  const { indices, text, viewerId } = input;
  const clauses = [usersClause(indices, text)];
  if (viewerId !== undefined) clauses.push(postsClause(indices, text, viewerId));
  return {
    index: viewerId === undefined ? [indices.users] : [indices.users, indices.posts],
    size: input.size,
    _source: false,
    track_total_hits: false,
    query: { bool: { should: clauses, minimum_should_match: 1 } },
    sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
    ...(input.after ? { search_after: [input.after.score, input.after.id] } : {}),
  };
}
