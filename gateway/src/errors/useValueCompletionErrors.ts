import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@verograph/service';
import type { GraphQLFormattedError } from 'graphql';

/**
 * @apollo/gateway reports the nulls it propagates while shaping the response (a non-null field
 * that no subgraph filled, e.g. an entity a subgraph answered with null) in
 * `extensions.valueCompletion`, outside `errors`, so `formatError` never masks them and a client
 * reads raw messages there. They are errors: this moves them into `errors`, through the same mask
 * as every other error. Federation codes them INVALID_GRAPHQL, which would pass the mask as the
 * client's fault; they are the gateway's, so they are logged and shown as an unexpected error.
 */
export function useValueCompletionErrors(
  mask: (formatted: GraphQLFormattedError) => GraphQLFormattedError,
  logger: Logger,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const completion = result.extensions?.valueCompletion;
          if (completion === undefined) return;
          const { valueCompletion: _dropped, ...extensions } = result.extensions ?? {};
          const originals = (Array.isArray(completion) ? completion : [completion]).map(toFormatted);
          logger.warn({ errors: originals }, 'fields nulled while shaping the response');
          const moved = originals.map(({ extensions: _code, ...error }) => mask(error));
          result.errors = [...(result.errors ?? []), ...moved];
          if (Object.keys(extensions).length === 0) delete result.extensions;
          else result.extensions = extensions;
        },
      };
    },
  };
}

function toFormatted(error: unknown): GraphQLFormattedError {
  if (error !== null && typeof error === 'object' && 'toJSON' in error && typeof error.toJSON === 'function') {
    return error.toJSON() as GraphQLFormattedError;
  }
  const { message, path } = (error ?? {}) as { message?: unknown; path?: unknown };
  return {
    message: typeof message === 'string' ? message : 'a field could not be completed',
    ...(Array.isArray(path) ? { path: path as (string | number)[] } : {}),
  };
}
