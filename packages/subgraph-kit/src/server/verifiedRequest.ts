import type { IncomingMessage, ServerResponse } from 'node:http';

import { checkSignatureHeaders, VIEWER_BATCH_HEADER, verifyViewer } from '@verograph/service';

/** A request to `/graphql` whose gateway signature holds for this subgraph and this body. */
export interface VerifiedRequest {
  /** The parsed JSON body. */
  readonly body: unknown;
  /** The viewer the gateway vouched for; undefined for an anonymous request or a viewer batch. */
  readonly viewerId: string | undefined;
  /** A viewer batch (VIEWER_BATCH_HEADER): its viewers are verified one by one, at their index. */
  readonly isBatch: boolean;
}

/** Why a request was refused: the HTTP status and the coded error the subgraph answers with. */
export interface Refusal {
  readonly status: number;
  readonly code: 'UNAUTHENTICATED' | 'BAD_REQUEST';
  readonly message: string;
  /** For a refused signature: why, as the `subgraph_unsigned_requests_total` label. */
  readonly signature?: string;
}

/**
 * Reads a POST's body and checks the gateway's signature over its exact bytes (see
 * @verograph/service's viewerSignature.ts). Headers are checked first, so an unsigned or
 * stale request costs no body read; the body is parsed only once its signature holds.
 */
export async function readVerifiedRequest(
  req: IncomingMessage,
  options: { readonly subgraph: string; readonly signingSecret: string; readonly maxBodyBytes: number },
): Promise<VerifiedRequest | Refusal> {
  // POST only: a signature covers the body, and a GET carries its operation in the URL.
  if ((req.method ?? 'GET').toUpperCase() !== 'POST') {
    req.resume();
    return { status: 405, code: 'BAD_REQUEST', message: 'Use POST for /graphql.' };
  }
  const headers = checkSignatureHeaders(req.headers);
  if (!headers.ok) return unsigned(req, headers.reason);
  const bytes = await readBody(req, options.maxBodyBytes);
  if (bytes === 'too-large') {
    return {
      status: 413,
      code: 'BAD_REQUEST',
      message: `The request body is larger than ${options.maxBodyBytes} bytes.`,
    };
  }
  const isBatch = req.headers[VIEWER_BATCH_HEADER] !== undefined;
  const check = verifyViewer(options.signingSecret, req.headers, {
    subgraph: options.subgraph,
    body: bytes,
    scope: isBatch ? 'batch' : 'request',
  });
  if (!check.ok) return unsigned(req, check.reason);
  try {
    const body: unknown = bytes.length === 0 ? undefined : JSON.parse(bytes.toString('utf8'));
    return { body, viewerId: check.viewerId, isBatch };
  } catch {
    return { status: 400, code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' };
  }
}

export function isRefusal(read: VerifiedRequest | Refusal): read is Refusal {
  return 'status' in read;
}

/** Answers a refusal as a GraphQL error with its code. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  if (refusal.status === 405) res.setHeader('allow', 'POST');
  sendJson(res, refusal.status, graphQLError(refusal.code, refusal.message));
}

export function graphQLError(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function unsigned(req: IncomingMessage, reason: string): Refusal {
  req.resume();
  return {
    status: 401,
    code: 'UNAUTHENTICATED',
    message: `This subgraph answers only the gateway (${reason}); send requests to the gateway.`,
    signature: reason,
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
