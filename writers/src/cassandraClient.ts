import cassandra from 'cassandra-driver';

/**
 * The writers' Cassandra session: LOCAL_QUORUM reads and writes, so a decision reads what the
 * previous command of the aggregate wrote, and LOCAL_SERIAL for the lightweight transactions
 * (username claims, the decision log).
 */
export async function connectCassandra(options: {
  contactPoints: readonly string[];
  localDataCenter: string;
  keyspace: string;
}): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    keyspace: options.keyspace,
    queryOptions: {
      consistency: cassandra.types.consistencies.localQuorum,
      serialConsistency: cassandra.types.consistencies.localSerial,
      prepare: true,
    },
  });
  await client.connect();
  return client;
}
