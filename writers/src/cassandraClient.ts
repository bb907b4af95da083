import cassandra from 'cassandra-driver';

/**
 * The writers' Cassandra session: LOCAL_QUORUM reads and writes, so a decision reads what the
 * previous command of the aggregate wrote, and LOCAL_SERIAL for the lightweight transactions
 * (username claims, the decision log).
 */
export function createCassandraClient(options: {
  contactPoints: readonly string[];
  localDataCenter: string;
  keyspace: string;
  credentials?: { readonly username: string; readonly password: string } | undefined;
}): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    keyspace: options.keyspace,
    ...(options.credentials && {
      authProvider: new cassandra.auth.PlainTextAuthProvider(
        options.credentials.username,
        options.credentials.password,
      ),
    }),
    // Back within seconds of an outage: the driver's default waits double up to 10 minutes.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
    // Protocol v4 allows 32 768 requests in flight on one connection; the driver's default of
    // 2 048 is refused (BusyConnectionError) by a writer's batches of concurrent reads.
    pooling: { maxRequestsPerConnection: 32_768 },
    queryOptions: {
      consistency: cassandra.types.consistencies.localQuorum,
      serialConsistency: cassandra.types.consistencies.localSerial,
      prepare: true,
    },
  });
}

/** `createCassandraClient`, connected. */
export async function connectCassandra(
  options: Parameters<typeof createCassandraClient>[0],
): Promise<cassandra.Client> {
  const client = createCassandraClient(options);
  await client.connect();
  return client;
}
