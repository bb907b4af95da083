import type { IncomingMessage } from 'node:http';

import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import type { GraphQLParams } from '../persisted/trustedDocuments.ts';

/**
 * Reading a GraphQL request's parameters off HTTP, as the GraphQL-over-HTTP spec has them:
 * shared by queries and mutations (graphqlHttp.ts) and SSE subscriptions (live/sseHandler.ts),
 * so both bound the body and refuse bad input with the same codes and statuses.
 */

/** A request refused before it reaches Apollo Server, with the HTTP status it deserves. */
export class RequestRefused extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly status: number,
    readonly headers: Record<string, string> = {},
    /** Further public extensions of the error (e.g. `retryable`, `retryAfterMs`). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The parameters of a POST: a JSON object, in a body of at most `maxBodyBytes`. */
export async function readPostParams(request: IncomingMessage, maxBodyBytes: number): Promise<GraphQLParams> {
  const contentType = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json' && contentType !== 'application/graphql+json') {
    throw new RequestRefused(
      GatewayErrorCode.BAD_REQUEST,
      'POST bodies must be JSON (Content-Type: application/json).',
      415,
    );
  }
  const body = await readBody(request, maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestRefused(GatewayErrorCode.BAD_REQUEST, 'The request body is not valid JSON.', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestRefused(
      GatewayErrorCode.BAD_REQUEST,
      'The request body must be a JSON object with a "query".',
      400,
    );
  }
  return parsed as GraphQLParams;
}

/** The parameters of a GET: `query`, `operationName`, `documentId`, JSON `variables` and `extensions`. */
export function readGetParams(url: URL): GraphQLParams {
  const json = (name: string): unknown => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      throw new RequestRefused(GatewayErrorCode.BAD_REQUEST, `The ${name} parameter is not valid JSON.`, 400);
    }
  };
  return {
    query: url.searchParams.get('query') ?? undefined,
    documentId: url.searchParams.get('documentId') ?? undefined,
    operationName: url.searchParams.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
  };
}

/** Reads at most `limit` bytes; a larger body is refused with 413 without reading the rest. */
async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () =>
    new RequestRefused(GatewayErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${limit} bytes.`, 413, {
      connection: 'close',
    });
  const declared = Number(header(request, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
