import type { DomainError, ErrorCode } from '@verograph/domain';
import type { GraphQLFormattedError } from 'graphql';

/** Driver error names that mean "the engine could not be reached or did not answer in time". */
const UNAVAILABLE_NAMES = new Set([
  // cassandra-driver
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
  // kafkajs
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLeaderNotAvailable',
  'KafkaJSNotImplemented',
  // @elastic/elasticsearch
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
]);

/** Node socket errors that mean the same. */
const UNAVAILABLE_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/** Cassandra server answers that mean "try again later": unavailable, overloaded, bootstrapping, timeouts. */
const UNAVAILABLE_CASSANDRA_CODES = new Set([0x1000, 0x1001, 0x1002, 0x1100, 0x1200]);

/**
 * Whether an error (or anything in its `cause` chain) means a store or the command log is
 * unreachable, as opposed to a bug: the client should retry later rather than report it.
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 8 || typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    cause?: unknown;
    innerErrors?: unknown;
    errors?: unknown;
    isSocketError?: unknown;
  };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  // cassandra-driver's DriverError "Socket was closed": the node went away under a request in flight.
  if (e.isSocketError === true) return true;
  if (typeof e.code === 'string' && UNAVAILABLE_SYSCALL_CODES.has(e.code)) return true;
  if (e.name === 'ResponseError' && typeof e.code === 'number' && UNAVAILABLE_CASSANDRA_CODES.has(e.code)) return true;
  if (e.cause !== undefined && isUnavailable(e.cause, depth + 1)) return true;
  // AggregateError (e.g. a failed connect to every address of a host) keeps its parts in `errors`.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return false;
}

/** Codes produced by graphql-js and Apollo Server themselves, safe to show as they are. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'INTROSPECTION_DISABLED',
  'MAX_RECURSIVE_SELECTIONS_EXCEEDED',
]);

/*
 * Errors are recognised by name rather than `instanceof`: graphql-js can be loaded twice (its
 * CommonJS and ESM builds), and an error made by one copy is no instance of the other's class.
 */
interface GraphQLErrorLike {
  readonly name: 'GraphQLError';
  readonly originalError?: unknown;
}

function isGraphQLError(error: unknown): error is GraphQLErrorLike {
  return error instanceof Error && error.name === 'GraphQLError';
}

function isDomainError(error: unknown): error is DomainError {
  return error instanceof Error && error.name === 'DomainError' && typeof (error as DomainError).code === 'string';
}

/** The error a resolver threw, out of the GraphQLError(s) wrapped around it. */
function unwrap(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && isGraphQLError(current) && current.originalError !== undefined; depth++) {
    current = current.originalError;
  }
  return current;
}

/** What `maskError` decided, for logs and metrics. */
export interface MaskedError {
  readonly formatted: GraphQLFormattedError;
  readonly code: string;
  /** True when the original error was unexpected (a bug or an outage) and is worth logging. */
  readonly unexpected: boolean;
}

/**
 * The one error model at the GraphQL edge: a `DomainError` shows its code and message; an
 * error graphql-js or Apollo raised about the request itself (parse, validation, variables)
 * stays as it is; an unreachable store becomes STORE_UNAVAILABLE; anything else becomes
 * INTERNAL_SERVER_ERROR with a generic message. Stack traces and driver messages never leave.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): MaskedError {
  const original = unwrap(error);
  const where = { ...(formatted.path ? { path: formatted.path } : {}) };
  const located = formatted.locations ? { ...where, locations: formatted.locations } : where;

  if (isDomainError(original)) {
    // An OVERLOADED refusal says when to try again (`OverloadedError`).
    const retryAfterMs = (original as { retryAfterMs?: unknown }).retryAfterMs;
    const retry = typeof retryAfterMs === 'number' ? { retryable: true, retryAfterMs } : {};
    return {
      formatted: {
        message: original.message,
        ...located,
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}), ...retry },
      },
      code: original.code,
      unexpected: false,
    };
  }
  const requestCode = formatted.extensions?.code;
  // Errors about the request itself (parse, validation, variable coercion) have no path: no
  // resolver ran. Apollo wraps graphql-js's error in its own classes (ValidationError,
  // UserInputError…), so the outer error and its code decide.
  if (
    error instanceof Error &&
    formatted.path === undefined &&
    typeof requestCode === 'string' &&
    REQUEST_ERROR_CODES.has(requestCode)
  ) {
    return {
      formatted: { message: formatted.message, ...located, extensions: { code: requestCode } },
      code: requestCode,
      unexpected: false,
    };
  }
  if (isUnavailable(original)) {
    const code: ErrorCode = 'STORE_UNAVAILABLE';
    return {
      formatted: {
        message: 'A data store this answer needs is unavailable right now; try again in a moment.',
        ...where,
        extensions: { code },
      },
      code,
      unexpected: true,
    };
  }
  const code: ErrorCode = 'INTERNAL_SERVER_ERROR';
  return {
    formatted: { message: 'Something went wrong on our side; it has been logged.', ...where, extensions: { code } },
    code,
    unexpected: true,
  };
}
