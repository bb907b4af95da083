/**
 * One-off, after migration 0032 on a stack that already holds loves: copies post_loves into
 * loves_by_user (see src/posts/backfillLovesByUser.ts). Safe to run while the writers run, and
 * to run again.
 *
 *   npx tsx writers/scripts/backfillLovesByUser.ts
 */
import { engineAddresses } from '@verograph/service';

import { connectCassandra } from '../src/cassandraClient.ts';
import { backfillLovesByUser } from '../src/posts/backfillLovesByUser.ts';

const engines = engineAddresses();
const client = await connectCassandra({
  contactPoints: engines.cassandraContactPoints,
  localDataCenter: engines.cassandraDataCenter,
  keyspace: engines.cassandraKeyspace,
  credentials: engines.cassandraCredentials,
});
try {
  const copied = await backfillLovesByUser(client, {
    onProgress: (n) => process.stdout.write(`\rloves copied: ${n}`),
  });
  console.log(`\nloves_by_user backfilled: ${copied} loves`);
} finally {
  await client.shutdown();
}
