import type { Connection } from '@verograph/subgraph-kit';
import { connectionOf, pageSize } from '@verograph/subgraph-kit';

import type { SearchContext } from '../context.ts';
import { decodeSearchCursor, encodeSearchCursor } from './searchCursor.ts';
import { validQueryText } from './searchRequest.ts';
import type { SearchHit } from './searchStore.ts';

interface SearchArgs {
  readonly query: string;
  readonly first?: number | null;
  readonly after?: string | null;
}

/** Query.search: users and the posts the viewer may see, most relevant first. */
export const searchResolvers = {
  Query: {
    async search(_: unknown, args: SearchArgs, ctx: SearchContext): Promise<Connection<SearchHit>> {
      const text = validQueryText(args.query);
      const want = pageSize(args.first);
      const after = decodeSearchCursor(args.after);
      const hits = await ctx.services.search.search({
        text,
        viewerId: ctx.viewer.viewerId,
        size: want + 1,
        after,
      });
      return connectionOf(hits.slice(0, want), (hit) => encodeSearchCursor(hit.key), hits.length > want);
    },
  },

  SearchResult: {
    __resolveType: (hit: SearchHit) => hit.__typename,
  },
};
