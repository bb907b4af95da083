/**
 * The users subgraph's composition root: `npm run start -w @verograph/users-subgraph` or
 * `tsx subgraphs/users/src/main.ts`.
 */
import { envReader } from '@verograph/service';
import { readIdDerivationSecret, runCassandraSubgraph } from '@verograph/subgraph-kit';

import { startUsersSubgraph } from './usersSubgraph.ts';

runCassandraSubgraph({
  name: 'users',
  defaultPort: 4001,
  // Read inside start, so a refused secret is logged as the reason it could not start.
  start: (dependencies) => startUsersSubgraph({ ...dependencies, idSecret: readIdDerivationSecret(envReader()) }),
});
