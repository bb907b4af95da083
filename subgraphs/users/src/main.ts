/**
 * The users subgraph's composition root: `npm run start -w @verograph/users-subgraph` or
 * `tsx subgraphs/users/src/main.ts`.
 */
import { runCassandraSubgraph } from '@verograph/subgraph-kit';

import { startUsersSubgraph } from './usersSubgraph.ts';

runCassandraSubgraph({ name: 'users', defaultPort: 4001, start: startUsersSubgraph });
