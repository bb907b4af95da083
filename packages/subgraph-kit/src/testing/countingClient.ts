import type { CqlClient } from '../store/cassandra.ts';

/** A Cassandra client that counts its round trips, to prove batching in tests. */
export interface CountingClient extends CqlClient {
  /** The statements executed since the last reset, in order. */
  readonly statements: string[];
  reset(): void;
}

export function countingClient(client: CqlClient): CountingClient {
  const statements: string[] = [];
  return {
    statements,
    reset: () => void statements.splice(0),
    execute(query, params, options) {
      statements.push(query);
      return client.execute(query, params, options);
    },
  };
}
