import type { ApolloServerPlugin } from '@apollo/server';

import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, preferredMediaType } from './mediaTypes.ts';

/**
 * Errors of a well-formed GraphQL-over-HTTP request that the spec's application/json section
 * answers with 200: the document does not parse, does not validate, or its variables do not
 * coerce. Legacy clients read the errors from a 200 body and may treat a 4xx as a transport
 * failure. A client that accepts application/graphql-response+json keeps the 4xx.
 */
const JSON_CLIENT_REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * Sets the status GraphQL over HTTP asks for when the response is application/json (the client's
 * Accept prefers it, or it sends none): 200 for parse, validation and variable errors instead
 * of Apollo Server's 400. Every other refusal (limits, trusted documents, an operation that
 * cannot be chosen) keeps its status.
 */
export function useGraphQLOverHttpStatus(): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept');
      if (preferredMediaType(accept, [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]) !== APPLICATION_JSON) return {};
      return {
        async willSendResponse({ response, errors }) {
          if (response.http.status !== 400 || !errors?.length) return;
          const requestErrorsOnly = errors.every((error) =>
            JSON_CLIENT_REQUEST_ERRORS.has(String(error.extensions.code)),
          );
          if (requestErrorsOnly) response.http.status = 200;
        },
      };
    },
  };
}
