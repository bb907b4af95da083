import cassandra from 'cassandra-driver';

import type { Credential } from '../credentials.ts';

/** The keyspace the role specs try their statements on (CASSANDRA_KEYSPACE, else the stack's). */
export const keyspace = process.env.CASSANDRA_KEYSPACE ?? 'verograph';

const contactPoint = `${process.env.CASSANDRA_HOST ?? '127.0.0.1'}:${process.env.CASSANDRA_PORT ?? '9042'}`;

/** Cassandra sessions of a role spec, signed in as whichever role a test tries; `shutdown` closes them all. */
export interface RoleSessions {
  /** A session on the keyspace, signed in with the credential. */
  signedIn(credential: Credential): cassandra.Client;
  /** A session that signs in as nobody (not yet connected). */
  anonymous(): cassandra.Client;
  shutdown(): Promise<void>;
}

export function roleSessions(): RoleSessions {
  const clients: cassandra.Client[] = [];
  const open = (options: Partial<cassandra.ClientOptions>): cassandra.Client => {
    const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: 'datacenter1', ...options });
    clients.push(client);
    return client;
  };
  return {
    signedIn: (credential) =>
      open({
        keyspace,
        authProvider: new cassandra.auth.PlainTextAuthProvider(credential.username, credential.password),
      }),
    anonymous: () => open({}),
    async shutdown() {
      await Promise.allSettled(clients.map((c) => c.shutdown()));
    },
  };
}

/** Runs one statement; resolves to 'DONE' or 'Unauthorized' (or the error, for anything else). */
export async function attempt(client: cassandra.Client, cql: string, params: unknown[] = []): Promise<string> {
  try {
    await client.execute(cql, params, { prepare: true });
    return 'DONE';
  } catch (error) {
    const code = (error as { code?: number }).code;
    // 0x2100 is the native protocol's Unauthorized.
    return code === cassandra.types.responseErrorCodes.unauthorized ? 'Unauthorized' : String(error);
  }
}
