/**
 * The posts subgraph's composition root: `npm run start -w @verograph/posts-subgraph` or
 * `tsx subgraphs/posts/src/main.ts`.
 */
import { envReader } from '@verograph/service';
import { runCassandraSubgraph } from '@verograph/subgraph-kit';

import { readPostRowCacheConfig, startPostsSubgraph } from './postsSubgraph.ts';

const rowCache = readPostRowCacheConfig(envReader());
runCassandraSubgraph({
  name: 'posts',
  defaultPort: 4002,
  start: (dependencies) =>
    startPostsSubgraph({ ...dependencies, rowCache: { ...rowCache, kafka: dependencies.kafka } }),
});
