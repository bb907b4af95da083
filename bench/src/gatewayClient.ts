import http from 'node:http';
import { performance } from 'node:perf_hooks';

import { mintTokenForEnv } from '@verograph/gateway';

export interface GraphQLAnswer<T> {
  readonly data?: T;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

/** A GraphQL answer and how long the round trip took, from the request being written. */
export interface Timed<T> {
  readonly answer: GraphQLAnswer<T>;
  readonly sentAt: number;
  readonly ms: number;
  /** The HTTP status it came with. */
  readonly httpStatus: number;
}

/** An answer that was not JSON (a proxy's or a crashed server's page): its HTTP status says what happened. */
export class HttpStatusError extends Error {
  constructor(
    readonly httpStatus: number,
    body: string,
  ) {
    super(`the gateway answered ${httpStatus} with no JSON: ${body.slice(0, 300)}`);
  }
}

/**
 * A GraphQL client for the gateway over keep-alive HTTP/1.1 (node:http, not fetch: less
 * client CPU per request on two shared cores), with a bearer token minted per user.
 */
export interface GatewayClient {
  request<T>(userId: string | undefined, query: string, variables?: Record<string, unknown>): Promise<Timed<T>>;
  /** Mints (once) the token the requests of this user carry, so minting is not timed. */
  tokenFor(userId: string): Promise<string>;
  close(): void;
}

/**
 * `timeoutMs` bounds each request (it then fails with a `timeout` error): an overloaded system
 * must not keep a bounded benchmark waiting for ever.
 */
export function createGatewayClient(url: string, timeoutMs = 15_000): GatewayClient {
  const target = new URL(url);
  // Open loop: the client must never be where requests queue. At 512 sockets, 500 mutations/s
  // that each take a second or two filled the agent, and the rest waited in the load generator
  // until the 15 s timeout, counted as client timeouts of the system. Enough sockets for the
  // offered rate times the timeout (the process may hold 20,000 descriptors here).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8192 });
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (userId: string) => {
    let token = tokens.get(userId);
    if (!token) tokens.set(userId, (token = mintTokenForEnv(userId)));
    return token;
  };

  return {
    tokenFor,
    async request<T>(userId: string | undefined, query: string, variables: Record<string, unknown> = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (userId) headers.authorization = `Bearer ${await tokenFor(userId)}`;
      const body = JSON.stringify({ query, variables });
      headers['content-length'] = String(Buffer.byteLength(body));
      return new Promise<Timed<T>>((resolve, reject) => {
        const sentAt = performance.now();
        const req = http.request(
          { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              clearTimeout(timer);
              const ms = performance.now() - sentAt;
              const text = Buffer.concat(chunks).toString('utf8');
              try {
                resolve({ answer: JSON.parse(text) as GraphQLAnswer<T>, sentAt, ms, httpStatus: res.statusCode ?? 0 });
              } catch {
                reject(new HttpStatusError(res.statusCode ?? 0, text));
              }
            });
            res.on('error', reject);
          },
        );
        // From the request's creation, so time queued for a free socket counts too.
        const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
        req.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The status of a mutation payload (`{ data: { createPost: { status } } }`), or why there is none. */
export function payloadStatus(answer: GraphQLAnswer<unknown>): string {
  if (answer.errors?.length) return `error ${answer.errors[0]!.extensions?.code ?? answer.errors[0]!.message}`;
  const payload: unknown = answer.data ? Object.values(answer.data)[0] : undefined;
  const status = (payload as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'string' ? status : 'no payload';
}
