export { startPostsSubgraph, postsTypeDefs, type PostsSubgraphOptions } from './postsSubgraph.ts';
