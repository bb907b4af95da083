export { startUsersSubgraph, usersTypeDefs, type UsersSubgraphOptions } from './usersSubgraph.ts';
