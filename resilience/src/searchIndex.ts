import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';

import { errorCodes, type GatewayClient, type GraphQLResult } from './gatewayClient.ts';

const SEARCH_PAGE = `query($q: String!, $after: String) { search(query: $q, first: 100, after: $after) {
  edges { node { __typename ... on Post { id } ... on User { id } } } pageInfo { hasNextPage endCursor } } }`;

type SearchPage = {
  search: {
    edges: Array<{ node: { __typename: string; id: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

/** What a viewer's search found, page after page, split by type; or the error codes that ended it. */
export interface SearchFindings {
  readonly posts: string[];
  readonly users: string[];
  readonly errors: string[];
}

/**
 * Every result of `query` for the client's viewer through the gateway, following the pages to
 * the end. Page only once the index has settled: while documents are being added, relevance
 * scores move between pages, and `search_after` pages overlap or skip.
 */
export async function searchAll(client: GatewayClient, query: string): Promise<SearchFindings> {
  const posts: string[] = [];
  const users: string[] = [];
  for (let after: string | null = null; ;) {
    const page: GraphQLResult<SearchPage> = await client.request<SearchPage>(SEARCH_PAGE, { q: query, after });
    if (page.errors || !page.data) return { posts, users, errors: errorCodes(page) };
    for (const { node } of page.data.search.edges) (node.__typename === 'Post' ? posts : users).push(node.id);
    if (!page.data.search.pageInfo.hasNextPage) return { posts, users, errors: [] };
    after = page.data.search.pageInfo.endCursor;
  }
}

/**
 * The `id` of every live document of `index` (an alias: `posts`, `users`) whose `field` is one
 * of `values`, straight from Elasticsearch after a refresh: duplicates show as repeated ids.
 */
export async function indexedIds(
  elasticsearch: ElasticsearchClient,
  index: 'posts' | 'users',
  field: 'author_id' | 'id',
  values: readonly string[],
): Promise<string[]> {
  await elasticsearch.indices.refresh({ index });
  const filter: object[] = [{ terms: { [field]: [...values] } }];
  // Posts deleted become tombstones; users have no such field.
  if (index === 'posts') filter.push({ term: { deleted: false } });
  const found = await elasticsearch.search<{ id: string }>({ index, size: 10_000, query: { bool: { filter } } });
  return found.hits.hits.map((hit) => hit._source!.id);
}
