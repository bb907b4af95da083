import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Every error a client sees from the gateway carries one of these in `extensions.code`.
 * Apollo Server's own request errors keep theirs (BAD_REQUEST, GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND, BAD_USER_INPUT); subgraph errors
 * keep the subgraph's code.
 */
export const GatewayErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  /** Several operations and no operationName, or an operationName that names none of them. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  QUERY_TOO_LONG: 'QUERY_TOO_LONG',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  TRUSTED_DOCUMENT_REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  INTROSPECTION_DISABLED: 'INTROSPECTION_DISABLED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  SUBGRAPH_ERROR: 'SUBGRAPH_ERROR',
  /** More mutations than the gateway or a subgraph can take now; nothing was sent; retryable. */
  OVERLOADED: 'OVERLOADED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/**
 * A request-level error raised before execution: Apollo Server sends it with the given HTTP
 * status (it reads `extensions.http` and strips it from the response).
 */
export function requestError(
  code: GatewayErrorCode,
  message: string,
  status = 400,
  details: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...details, code, http: { status } } });
}

/** The extensions a client may see; anything else (stack traces, upstream bodies, store details) is dropped. */
const PUBLIC_EXTENSIONS = new Set([
  'code',
  'subgraph',
  'reason',
  'limit',
  'actual',
  'field',
  'retryable',
  'retryAfterMs',
]);

/** Codes whose message was written for the client and can be shown as is. */
function isClientFacing(code: unknown): code is string {
  return (
    typeof code === 'string' && code !== GatewayErrorCode.INTERNAL_SERVER_ERROR && code !== 'DOWNSTREAM_SERVICE_ERROR'
  );
}

/**
 * Apollo Server's `formatError`: every error keeps a code, only public extensions pass, and an
 * unexpected error (no code, INTERNAL_SERVER_ERROR, or a subgraph error without a code) gets a
 * generic message, so no stack trace, SQL or CQL text reaches a client. The original is logged
 * by `useErrorLogging`.
 */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const raw = formatted.extensions ?? {};
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (PUBLIC_EXTENSIONS.has(key)) extensions[key] = value;
  // Federation names the subgraph `serviceName`; clients see one vocabulary.
  if (typeof raw.serviceName === 'string' && extensions.subgraph === undefined) extensions.subgraph = raw.serviceName;

  if (isClientFacing(raw.code)) {
    return { ...formatted, extensions: { ...extensions, code: raw.code } };
  }
  const fromSubgraph = typeof extensions.subgraph === 'string';
  return {
    message: fromSubgraph
      ? `The ${String(extensions.subgraph)} subgraph failed to resolve this field; try again later.`
      : 'Unexpected error in the gateway; it has been logged. Try again later.',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      ...extensions,
      code: fromSubgraph ? GatewayErrorCode.SUBGRAPH_ERROR : GatewayErrorCode.INTERNAL_SERVER_ERROR,
    },
  };
}

/** graphql-js appends its suggestions at the end of a message: ` Did you mean "name"?`. */
const SUGGESTION = / ?Did you mean .+\?$/;

/**
 * `maskError` without graphql-js's "Did you mean …" suggestions (GATEWAY_SUGGESTIONS=false, the
 * production default): they spell out field, argument, type and enum names near a guess, so a
 * client could map the schema with introspection off. Validation and variable errors alike.
 */
export function maskErrorWithoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const masked = maskError(formatted);
  return { ...masked, message: masked.message.replace(SUGGESTION, '') };
}
