import { DomainError } from '@verograph/domain';
import type { Logger } from '@verograph/service';
import pg from 'pg';

/**
 * The part of a PostgreSQL pool the stores use. `pg.Pool` is one; a spec's pool carries the
 * search path of its own schema.
 */
export interface SqlClient {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PostgresSettings {
  readonly url: string;
  readonly applicationName: string;
  /** The most connections this process holds. */
  readonly maxConnections?: number;
}

/**
 * A pool for the read model. Timeouts are short: a request waits a few seconds for a
 * connection or a statement, then answers STORE_UNAVAILABLE instead of hanging. Errors of idle
 * connections (PostgreSQL restarting) are logged, never thrown into the process.
 */
export function createPostgresPool(settings: PostgresSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    application_name: settings.applicationName,
    max: settings.maxConnections ?? 10,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  return pool;
}

/** SQLSTATE classes and codes that mean "PostgreSQL cannot serve now" rather than a bad query. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006']);
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/** Whether a pg error means the database could not be reached or is not serving. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isPostgresUnavailable);
  // pg-pool's own errors carry no code; these are its words for "no connection in time / at all".
  return (
    typeof message === 'string' &&
    /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(message)
  );
}

/**
 * Runs one statement and returns its rows. An unreachable database becomes STORE_UNAVAILABLE
 * (with the driver's error as its cause, logged here because domain errors are not); any other
 * failure is a bug and propagates as it is.
 */
export async function queryRows<R extends pg.QueryResultRow>(
  client: SqlClient,
  text: string,
  values: unknown[],
  logger?: Logger,
): Promise<R[]> {
  try {
    return (await client.query<R>(text, values)).rows;
  } catch (error) {
    if (!isPostgresUnavailable(error)) throw error;
    logger?.warn({ err: error }, 'PostgreSQL is unavailable');
    throw new DomainError(
      'STORE_UNAVAILABLE',
      'The collections store is unavailable right now; try again in a moment.',
      { cause: error },
    );
  }
}

/** Readiness: one cheap statement that proves the database answers and the read model exists. */
export async function postgresReady(client: SqlClient): Promise<void> {
  await client.query('SELECT 1 FROM collections LIMIT 1');
}
