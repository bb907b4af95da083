import cassandra from 'cassandra-driver';

/**
 * The part of a Cassandra client the subgraphs use. `cassandra.Client` is one; a test can
 * wrap one to count round trips.
 */
export interface CqlClient {
  execute(
    query: string,
    params?: readonly unknown[],
    options?: cassandra.QueryOptions,
  ): Promise<cassandra.types.ResultSet>;
}

export interface CassandraSettings {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** The role to sign in as (PasswordAuthenticator); none for an engine that asks for no sign-in. */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined;
}

/** A client for the read models that prepares every statement (they run on every request). */
export function createCassandraClient(settings: CassandraSettings, applicationName: string): cassandra.Client {
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
    applicationName,
    socketOptions: { connectTimeout: 5_000, readTimeout: 10_000 },
    queryOptions: { prepare: true },
  });
}

/** Runs one prepared statement and returns its rows. */
export async function rows(
  client: CqlClient,
  cql: string,
  params: readonly unknown[] = [],
): Promise<cassandra.types.Row[]> {
  const result = await client.execute(cql, [...params], { prepare: true });
  return result.rows;
}

/** Readiness: one cheap query that proves the node answers and the keyspace exists. */
export async function cassandraReady(client: CqlClient): Promise<void> {
  await client.execute('SELECT release_version FROM system.local', [], { prepare: true });
}

/** A bigint column (a driver `Long`), or null, as a JS number. */
export function longToNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') {
    return Number(value.toNumber());
  }
  return Number(value);
}

/** A text column that may be null, as a string. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A timestamp column, or the epoch when absent (never the case for rows the writers wrote). */
export function timestamp(value: unknown): Date {
  return value instanceof Date ? value : new Date(0);
}
