export {
  collectionsTypeDefs,
  startCollectionsSubgraph,
  type CollectionsSubgraphOptions,
} from './collectionsSubgraph.ts';
export { createPostgresPool, type SqlClient } from './store/postgres.ts';
