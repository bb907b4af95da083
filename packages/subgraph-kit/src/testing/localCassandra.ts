import { engineAddresses } from '@verograph/service';
import type cassandra from 'cassandra-driver';

import { createCassandraClient } from '../store/cassandra.ts';

/** A connected client of the local stack's Cassandra and keyspace, for a read-side spec. */
export async function localCassandra(clientName: string): Promise<cassandra.Client> {
  const engines = engineAddresses();
  const client = createCassandraClient(
    {
      contactPoints: engines.cassandraContactPoints,
      localDataCenter: engines.cassandraDataCenter,
      keyspace: engines.cassandraKeyspace,
      credentials: engines.cassandraCredentials,
    },
    clientName,
  );
  await client.connect();
  return client;
}
