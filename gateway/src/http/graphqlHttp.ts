import type { IncomingMessage, ServerResponse } from 'node:http';

import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { continueTrace, traceId } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { GatewayLimits } from '../config.ts';
import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import { queryLengthRefusal } from '../limits/operationLimits.ts';
import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';
import { resolveDocument, type GraphQLParams, type TrustedDocuments } from '../persisted/trustedDocuments.ts';
import { looksLikeMutation, type EarlyAdmission } from '../limits/useMutationAdmission.ts';
import { header, readGetParams, readPostParams, RequestRefused } from './graphqlParams.ts';
import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, preferredMediaType } from './mediaTypes.ts';

export interface GraphQLHttpOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly authenticator: ViewerAuthenticator;
  readonly documents: TrustedDocuments;
  readonly trustedDocumentsOnly: boolean;
  readonly limits: Pick<GatewayLimits, 'maxBodyBytes' | 'maxQueryLength'>;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Refuses a mutation before it is even authenticated while the gateway is starved (useMutationAdmission.ts). */
  readonly admission?: EarlyAdmission;
}

/**
 * GraphQL over HTTP at /graphql (GET for queries, POST for everything). This layer does what
 * must happen before a document is parsed: it bounds the body, verifies the viewer's token,
 * turns persisted-document ids into text and enforces trusted-only mode. Apollo Server then
 * does the GraphQL-over-HTTP rest: content negotiation (application/graphql-response+json when
 * accepted), 405 for a mutation over GET, 400 for parse, validation and variable errors, or 200
 * for an application/json client (useGraphQLOverHttpStatus), 400 for an operation that cannot
 * be chosen (useOperationResolution).
 */
export function createGraphQLHttpHandler(options: GraphQLHttpOptions) {
  const { apollo, authenticator, documents, trustedDocumentsOnly, limits, metrics, logger } = options;

  return async function handleGraphQL(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const trace = continueTrace(header(request, 'traceparent'), header(request, 'tracestate'));
    response.setHeader('x-trace-id', traceId(trace));
    const mediaType = preferredMediaType(header(request, 'accept'), [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]);
    try {
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'POST') {
        throw new RequestRefused(GatewayErrorCode.BAD_REQUEST, 'GraphQL requests use GET (queries) or POST.', 405, {
          allow: 'GET, POST',
        });
      }
      const params = method === 'POST' ? await readPostParams(request, limits.maxBodyBytes) : readGetParams(url);
      // The cheapest refusal there is: no token check, no parse, no plan.
      const refusal = options.admission?.refusal();
      if (refusal && looksLikeMutation(params.query)) {
        options.admission?.refused();
        throw new RequestRefused(
          GatewayErrorCode.OVERLOADED,
          refusal.message,
          429,
          refusal.headers,
          refusal.extensions,
        );
      }

      const authentication = await authenticator.authenticate(header(request, 'authorization'));
      if (!authentication.ok) {
        throw new RequestRefused(GatewayErrorCode.UNAUTHENTICATED, authentication.message, 401, {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      const tooLong = queryLengthRefusal(params.query, limits);
      if (tooLong) throw new RequestRefused(tooLong.code, tooLong.message, 400);
      const resolved = resolveDocument(params, documents, { trustedOnly: trustedDocumentsOnly });
      if (!resolved.ok) {
        // APQ clients read a not-found from a 200 application/json body, then send the text.
        const status =
          resolved.code === GatewayErrorCode.PERSISTED_QUERY_NOT_FOUND && mediaType === APPLICATION_JSON ? 200 : 400;
        throw new RequestRefused(resolved.code, resolved.message, status);
      }

      const context: GatewayContext = {
        viewerId: authentication.viewerId,
        trace,
        idempotencyKey: header(request, 'idempotency-key'),
      };
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: toApolloRequest(request, method, resolved.params),
        context: async () => context,
      });
      for (const [name, value] of result.headers) response.setHeader(name, value);
      response.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') {
        response.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) response.write(chunk);
        response.end();
      }
    } catch (error) {
      if (error instanceof RequestRefused) {
        metrics.requests.inc({ operation_type: 'unknown', outcome: 'rejected' });
        metrics.errors.inc({ code: error.code });
        logger.info({ traceId: traceId(trace), code: error.code, status: error.status }, 'graphql request refused');
        sendErrors(
          response,
          mediaType,
          error.status,
          [{ message: error.message, extensions: { ...error.extensions, code: error.code } }],
          error.headers,
        );
        return;
      }
      logger.error({ traceId: traceId(trace), err: error }, 'graphql request failed unexpectedly');
      sendErrors(response, mediaType, 500, [
        {
          message: 'Unexpected error in the gateway; it has been logged.',
          extensions: { code: GatewayErrorCode.INTERNAL_SERVER_ERROR },
        },
      ]);
    }
  };
}

/** Apollo Server's view of the request, carrying the resolved document instead of the original. */
function toApolloRequest(request: IncomingMessage, method: string, params: GraphQLParams): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  if (method === 'POST') {
    const body = Object.fromEntries(
      Object.entries(params).filter(([name, value]) => name !== 'documentId' && value !== undefined),
    );
    return { method, headers, search: '', body };
  }
  const search = new URLSearchParams();
  if (typeof params.query === 'string') search.set('query', params.query);
  if (typeof params.operationName === 'string') search.set('operationName', params.operationName);
  if (params.variables !== undefined) search.set('variables', JSON.stringify(params.variables));
  if (params.extensions !== undefined) search.set('extensions', JSON.stringify(params.extensions));
  return { method, headers, search: `?${search.toString()}`, body: undefined };
}

function sendErrors(
  response: ServerResponse,
  mediaType: string | undefined,
  status: number,
  errors: { message: string; extensions: { code: string } & Record<string, unknown> }[],
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.statusCode = status;
  response.setHeader('content-type', `${mediaType ?? APPLICATION_JSON}; charset=utf-8`);
  response.end(JSON.stringify({ errors }));
}
