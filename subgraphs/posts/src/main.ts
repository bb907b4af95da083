/**
 * The posts subgraph's composition root: `npm run start -w @verograph/posts-subgraph` or
 * `tsx subgraphs/posts/src/main.ts`.
 */
import { runCassandraSubgraph } from '@verograph/subgraph-kit';

import { startPostsSubgraph } from './postsSubgraph.ts';

runCassandraSubgraph({ name: 'posts', defaultPort: 4002, start: startPostsSubgraph });
