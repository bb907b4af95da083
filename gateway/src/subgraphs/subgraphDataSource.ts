import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { continueTrace } from '@verograph/messaging';
import { signViewer, type Logger } from '@verograph/service';
import { GraphQLError } from 'graphql';

import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';

// Named through the gateway's own types, so they follow whatever versions it depends on.
type Fetcher = RemoteGraphQLDataSource['fetcher'];
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface SubgraphDataSourceOptions {
  readonly name: string;
  readonly url: string;
  readonly signingSecret: string;
  readonly timeoutMs: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/** Why a fetch to a subgraph failed, as a metric label and in the client's error. */
export type SubgraphFailure = 'timeout' | 'unreachable' | 'rejected' | `http_${number}` | 'invalid_response';

/**
 * How the gateway talks to one subgraph. Each fetch carries the viewer, signed with the secret
 * the subgraphs share with the gateway (the client's token stops here), the trace, and the
 * client's Idempotency-Key. A fetch that fails or outlives `timeoutMs` becomes a
 * SUBGRAPH_UNAVAILABLE error naming the subgraph: the query planner then drops only that
 * subgraph's fields, and every other field still answers.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): RemoteGraphQLDataSource<GatewayContext> {
  return new SubgraphDataSource(options);
}

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly options: SubgraphDataSourceOptions;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.options = options;
    this.fetcher = timedFetcher(options.timeoutMs);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Health checks and schema loads carry no request context: they go as an anonymous viewer.
    const viewer = context as Partial<GatewayContext>;
    for (const [name, value] of Object.entries(signViewer(this.options.signingSecret, viewer.viewerId))) {
      headers.set(name, value);
    }
    const trace = continueTrace(viewer.trace?.traceparent, viewer.trace?.tracestate);
    headers.set('traceparent', trace.traceparent);
    if (trace.tracestate) headers.set('tracestate', trace.tracestate);
    if (viewer.idempotencyKey) headers.set('idempotency-key', viewer.idempotencyKey);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { name, metrics, logger } = this.options;
    const started = performance.now();
    try {
      return await super.process(options);
    } catch (error) {
      const reason = failureOf(error);
      metrics.subgraphFetchErrors.inc({ subgraph: name, reason });
      const log = reason === 'rejected' ? logger.error.bind(logger) : logger.warn.bind(logger);
      log(
        { subgraph: name, url: this.options.url, reason, err: error },
        reason === 'rejected'
          ? `subgraph ${name} refused the gateway's request: do the gateway and the subgraph share SUBGRAPH_SIGNING_SECRET?`
          : `subgraph ${name} fetch failed (${reason})`,
      );
      throw new GraphQLError(messageFor(name, reason), {
        extensions: {
          code: GatewayErrorCode.SUBGRAPH_UNAVAILABLE,
          subgraph: name,
          reason,
          retryable: reason !== 'rejected',
        },
      });
    } finally {
      metrics.subgraphFetchDuration.observe({ subgraph: name }, (performance.now() - started) / 1000);
    }
  }
}

/** Node's fetch, bounded by a deadline that covers the response body too. */
function timedFetcher(timeoutMs: number): Fetcher {
  return async (url, init = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([deadline, init.signal as AbortSignal]) : deadline;
    const response = await fetch(url, {
      method: init.method ?? 'POST',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal,
    });
    // Node's Response has what the gateway reads (status, headers.get, json, text).
    return response as unknown as Awaited<ReturnType<Fetcher>>;
  };
}

function failureOf(error: unknown): SubgraphFailure {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const status = statusOf(error);
    if (status === 401 || status === 403) return 'rejected';
    if (status !== undefined) return `http_${status}`;
    if (error instanceof TypeError) return 'unreachable';
  }
  return 'invalid_response';
}

function statusOf(error: Error): number | undefined {
  const response = (error as { extensions?: { response?: { status?: unknown } } }).extensions?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

function messageFor(name: string, reason: SubgraphFailure): string {
  switch (reason) {
    case 'timeout':
      return `The ${name} subgraph did not answer in time; its fields are missing from this response. Try again shortly.`;
    case 'unreachable':
      return `The ${name} subgraph is unavailable; its fields are missing from this response. Try again shortly.`;
    case 'rejected':
      return `The ${name} subgraph refused the gateway's request; its fields are missing from this response.`;
    default:
      return `The ${name} subgraph answered with an error (${reason}); its fields are missing from this response.`;
  }
}
