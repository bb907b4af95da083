/**
 * The posts subgraph's composition root: `npm run start -w @verograph/posts-subgraph` or
 * `tsx subgraphs/posts/src/main.ts`.
 */
import { envReader } from '@verograph/service';
import { readIdDerivationSecret, runCassandraSubgraph } from '@verograph/subgraph-kit';

import { readPostRowCacheConfig, readPostsExecutor, startPostsSubgraph } from './postsSubgraph.ts';

const rowCache = readPostRowCacheConfig(envReader());
runCassandraSubgraph({
  name: 'posts',
  defaultPort: 4002,
  start: (dependencies) =>
    startPostsSubgraph({
      ...dependencies,
      // Read inside start, so a refused secret is logged as the reason it could not start.
      idSecret: readIdDerivationSecret(envReader()),
      rowCache: { ...rowCache, kafka: dependencies.kafka },
      executor: readPostsExecutor(envReader()),
    }),
});
