import type { Connection } from '@verograph/subgraph-kit';
import { connectionFromScan, pageSize, scanPage } from '@verograph/subgraph-kit';

import type { SearchContext } from '../context.ts';
import type { SearchKey } from './searchCursor.ts';
import { decodeSearchCursor, encodeSearchCursor } from './searchCursor.ts';
import { validQueryText } from './searchRequest.ts';
import type { SearchHit } from './searchStore.ts';

interface SearchArgs {
  readonly query: string;
  readonly first?: number | null;
  readonly after?: string | null;
}

/**
 * Elasticsearch round trips one page may cost when hits fail the read-time audience check.
 * Only posts hidden within the projector's lag fail it, so a second round is already rare.
 */
const MAX_ROUNDS = 3;

/**
 * Query.search: users and the posts the viewer may see, most relevant first. Elasticsearch's
 * audience filter trails a demotion or a deletion by the projector's lag, so every post hit
 * also passes the posts subgraph's own audience check, read from the system of record, before
 * it is answered: a hit that fails it is left out and the page filled from further hits, as if
 * the post did not exist.
 */
export const searchResolvers = {
  Query: {
    async search(_: unknown, args: SearchArgs, ctx: SearchContext): Promise<Connection<SearchHit>> {
      const text = validQueryText(args.query);
      const want = pageSize(args.first);
      const after = decodeSearchCursor(args.after);
      const viewerId = ctx.viewer.viewerId;
      const page = await scanPage<SearchHit, SearchHit, SearchKey>({
        want,
        after,
        chunkSize: want + 1,
        maxChunks: MAX_ROUNDS,
        fetch: async (position, size) => {
          const hits = await ctx.services.search.search({ text, viewerId, size, after: position });
          return { rows: hits, done: hits.length < size };
        },
        keyOf: (hit) => hit.key,
        keep: async (hits) => {
          const postIds = hits.flatMap((hit) => (hit.__typename === 'Post' ? [hit.id] : []));
          const visible = await ctx.services.posts.visibleAmong(viewerId, postIds);
          return hits.map((hit) => (hit.__typename === 'User' || visible.has(hit.id) ? hit : undefined));
        },
      });
      return connectionFromScan(page, encodeSearchCursor);
    },
  },

  SearchResult: {
    __resolveType: (hit: SearchHit) => hit.__typename,
  },
};
