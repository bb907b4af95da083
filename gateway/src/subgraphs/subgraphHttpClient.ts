import { EventEmitter } from 'node:events';

import { Pool } from 'undici';

/** How long an idle pooled connection to a subgraph is kept (the subgraphs keep theirs 65 s). */
const IDLE_SOCKET_MS = 30_000;

/** Why a fetch to a subgraph failed, as a metric label and in the client's error. */
export type SubgraphFailure = 'timeout' | 'unreachable' | 'rejected' | `http_${number}` | 'invalid_response';

/** A subgraph fetch that did not produce a GraphQL response, with the reason the client is told. */
export class SubgraphFetchError extends Error {
  constructor(
    readonly reason: SubgraphFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SubgraphFetchError';
  }
}

export interface SubgraphHttpClient {
  /**
   * POSTs a JSON body and resolves to the parsed JSON object the subgraph answered with.
   * `idempotent` allows one retry when a kept-alive connection turns out to have been closed
   * by the subgraph under the request (queries only: a mutation is never resent).
   */
  postJson(
    url: URL,
    headers: Record<string, string>,
    body: string,
    options: { timeoutMs: number; idempotent: boolean },
  ): Promise<Record<string, unknown>>;
  /** Closes the pooled connections. */
  close(): void;
}

/**
 * The gateway's HTTP client for subgraph fetches: undici's Pool per subgraph origin, keep-alive,
 * no pipelining (a slow answer must not hold the next one back). Measured against the node:http
 * Agent client it replaced (`npm run bench -- gateway`, and bench/src/subgraphClients.ts): less
 * CPU per fetch, no per-request ClientRequest/IncomingMessage streams. A deadline covers
 * connect, headers and body alike.
 */
export function createSubgraphHttpClient(options: { connections?: number } = {}): SubgraphHttpClient {
  const pools = new Map<string, Pool>();
  const poolOf = (url: URL): Pool => {
    let pool = pools.get(url.origin);
    if (!pool) {
      // Idle sockets are dropped after 30 s, well before the subgraphs close them (65 s), so a
      // request is rarely written on a socket the subgraph is closing at that moment.
      pool = new Pool(url.origin, {
        connections: options.connections ?? 128,
        pipelining: 1,
        keepAliveTimeout: IDLE_SOCKET_MS,
        keepAliveMaxTimeout: IDLE_SOCKET_MS,
      });
      pools.set(url.origin, pool);
    }
    return pool;
  };

  const once = async (
    url: URL,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; text: string }> => {
    const deadline = new FetchDeadline();
    const timer = setTimeout(
      () => deadline.fire(new SubgraphFetchError('timeout', `no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const response = await poolOf(url).request({
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        body,
        signal: deadline,
        // The deadline above is the only one.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      // Once the deadline fired, whatever the socket reports is the timeout's doing.
      if (deadline.reason) throw deadline.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async postJson(url, headers, body, { timeoutMs, idempotent }) {
      let answer: { status: number; text: string };
      try {
        answer = await once(url, headers, body, timeoutMs);
      } catch (error) {
        // A kept-alive socket the subgraph closed under the request: a query is sent once more.
        const stale = idempotent && (error as { code?: string }).code === 'UND_ERR_SOCKET';
        if (!stale) throw asFetchError(error);
        try {
          answer = await once(url, headers, body, timeoutMs);
        } catch (retryError) {
          throw asFetchError(retryError);
        }
      }
      return checkedAnswer(answer.status, answer.text);
    },
    close() {
      for (const pool of pools.values()) void pool.destroy();
      pools.clear();
    },
  };
}

/**
 * The deadline of one fetch, as undici reads an abort signal (an emitter of `abort` with
 * `aborted` and `reason`): lighter than an AbortController and its EventTarget on every fetch.
 */
class FetchDeadline extends EventEmitter {
  aborted = false;
  reason: SubgraphFetchError | undefined;

  fire(reason: SubgraphFetchError): void {
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/**
 * A subgraph's HTTP answer as the JSON object it must be: 401/403 is `rejected` (the signing
 * secrets differ), any other non-2xx `http_<status>`, a body that is not a JSON object
 * `invalid_response`.
 */
function checkedAnswer(status: number, text: string): Record<string, unknown> {
  if (status === 401 || status === 403) {
    throw new SubgraphFetchError('rejected', `the subgraph answered ${status}: ${text.slice(0, 200)}`);
  }
  if (status < 200 || status >= 300) {
    throw new SubgraphFetchError(`http_${status}`, `the subgraph answered ${status}: ${text.slice(0, 200)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SubgraphFetchError('invalid_response', 'the subgraph answered with a body that is not JSON', {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SubgraphFetchError('invalid_response', 'the subgraph answered with JSON that is not an object');
  }
  return parsed as Record<string, unknown>;
}

function asFetchError(error: unknown): SubgraphFetchError {
  if (error instanceof SubgraphFetchError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SubgraphFetchError('unreachable', message, { cause: error });
}
