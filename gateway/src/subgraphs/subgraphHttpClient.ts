import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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
   * by the subgraph before the request was written (queries only: a mutation is never resent).
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
 * The gateway's HTTP client for subgraph fetches: plain node:http over a keep-alive pool.
 * Apollo's default path builds a node-fetch Request, WHATWG Headers and (with Node's fetch)
 * web streams for every fetch; a query plan makes several fetches per client request, so this
 * was a large share of the gateway's CPU. A deadline covers connect, headers and body alike.
 */
export function createSubgraphHttpClient(options: { maxSockets?: number } = {}): SubgraphHttpClient {
  // Idle sockets are dropped after 30 s, well before the subgraphs close them (65 s), so a
  // request is never written on a socket the subgraph is closing at that moment.
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 128,
    scheduling: 'lifo' as const,
    timeout: IDLE_SOCKET_MS,
  };
  const http = new Agent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  const once = (
    url: URL,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ response: IncomingMessage; text: string }> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? https : http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      let settled = false;
      let timedOut: SubgraphFetchError | undefined;
      const timer = setTimeout(() => {
        timedOut = new SubgraphFetchError('timeout', `no complete answer within ${timeoutMs} ms`);
        request.destroy(timedOut);
      }, timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Once the deadline fired, whatever the socket reports next is the timeout's doing.
        const reported = timedOut ?? error;
        (reported as { reusedSocket?: boolean }).reusedSocket = request.reusedSocket;
        reject(reported);
      };
      request.once('error', fail);
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ response, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.once('close', () => fail(new Error('the subgraph closed the connection mid-answer')));
      });
      request.end(body);
    });

  return {
    async postJson(url, headers, body, { timeoutMs, idempotent }) {
      let answer: { response: IncomingMessage; text: string };
      try {
        answer = await once(url, headers, body, timeoutMs);
      } catch (error) {
        const stale =
          idempotent &&
          (error as { reusedSocket?: boolean }).reusedSocket === true &&
          (error as NodeJS.ErrnoException).code === 'ECONNRESET';
        if (!stale) throw asFetchError(error);
        try {
          answer = await once(url, headers, body, timeoutMs);
        } catch (retryError) {
          throw asFetchError(retryError);
        }
      }
      const { response, text } = answer;
      const status = response.statusCode ?? 0;
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
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

function asFetchError(error: unknown): SubgraphFetchError {
  if (error instanceof SubgraphFetchError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SubgraphFetchError('unreachable', message, { cause: error });
}
