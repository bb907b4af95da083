import cassandra from 'cassandra-driver';

export interface CassandraSettings {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** The role to sign in as (PasswordAuthenticator); none for an engine that asks for no sign-in. */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined;
}

/**
 * A client for the projectors. Reads and writes at LOCAL_QUORUM, so a projector reading the
 * system of record right after a writer published an event sees that writer's rows; bigint
 * columns map to JS bigint (counts, write timestamps) instead of the driver's Long.
 */
export function createCassandraClient(settings: CassandraSettings): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [...settings.contactPoints],
    localDataCenter: settings.localDataCenter,
    keyspace: settings.keyspace,
    ...(settings.credentials && {
      authProvider: new cassandra.auth.PlainTextAuthProvider(
        settings.credentials.username,
        settings.credentials.password,
      ),
    }),
    // Back within seconds of an outage: the driver's default waits double up to 10 minutes.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
    encoding: { useBigIntAsLong: true, useUndefinedAsUnset: true },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
  });
}
