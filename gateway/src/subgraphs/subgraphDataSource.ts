import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { continueTrace } from '@verograph/messaging';
import { signViewer, type Logger } from '@verograph/service';
import { GraphQLError } from 'graphql';

import type { PublicEntityCache } from '../entityCache/publicEntityCache.ts';
import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';
import { SubgraphFetchError, type SubgraphFailure, type SubgraphHttpClient } from './subgraphHttpClient.ts';

export type { SubgraphFailure } from './subgraphHttpClient.ts';

// Named through the gateway's own types, so they follow whatever versions it depends on.
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface SubgraphDataSourceOptions {
  readonly name: string;
  readonly url: string;
  readonly signingSecret: string;
  readonly timeoutMs: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The keep-alive client every subgraph fetch goes through. */
  readonly http: SubgraphHttpClient;
  /** Serves `_entities` fetches of public fields without a fetch; absent: every fetch goes out. */
  readonly entityCache?: PublicEntityCache;
}

/** How long one viewer signature is reused; far inside the minute a subgraph accepts it for. */
const SIGNATURE_REUSE_MS = 1_000;
/** Viewers whose current signature is kept at once. */
const MAX_SIGNATURES = 10_000;

/**
 * How the gateway talks to one subgraph. Each fetch carries the viewer, signed with the secret
 * the subgraphs share with the gateway (the client's token stops here), the trace, and the
 * client's Idempotency-Key. A fetch that fails or outlives `timeoutMs` becomes a
 * SUBGRAPH_UNAVAILABLE error naming the subgraph: the query planner then drops only that
 * subgraph's fields, and every other field still answers. An `_entities` fetch of public
 * fields only may be answered by the public entity cache; a mutation through the gateway
 * drops the viewer's cached entities, so the viewer reads their own profile change at once.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): RemoteGraphQLDataSource<GatewayContext> {
  return new SubgraphDataSource(options);
}

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly options: SubgraphDataSourceOptions;
  private readonly target: URL;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.options = options;
    this.target = new URL(options.url);
  }

  /*
   * A viewer's signature, reused for up to SIGNATURE_REUSE_MS: an HMAC per fetch was a visible
   * cost, and a subgraph accepts a signature for a minute anyway (viewerSignature.ts).
   */
  private readonly signatures = new Map<string, { readonly headers: Record<string, string>; readonly at: number }>();

  private signatureOf(viewerId: string | undefined): Record<string, string> {
    const now = Date.now();
    const key = viewerId ?? '';
    const known = this.signatures.get(key);
    if (known !== undefined && now - known.at < SIGNATURE_REUSE_MS) return known.headers;
    if (this.signatures.size >= MAX_SIGNATURES) this.signatures.clear();
    const headers = signViewer(this.options.signingSecret, viewerId, now);
    this.signatures.set(key, { headers, at: now });
    return headers;
  }

  /** The headers of one fetch: signed viewer, trace and Idempotency-Key. */
  private headersFor(context: Partial<GatewayContext>): Record<string, string> {
    // Health checks and schema loads carry no request context: they go as an anonymous viewer.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...this.signatureOf(context.viewerId),
    };
    const trace = continueTrace(context.trace?.traceparent, context.trace?.tracestate);
    headers.traceparent = trace.traceparent;
    if (trace.tracestate) headers.tracestate = trace.tracestate;
    if (context.idempotencyKey) headers['idempotency-key'] = context.idempotencyKey;
    return headers;
  }

  /*
   * Replaces RemoteGraphQLDataSource's fetch path (node-fetch Request and Headers per fetch,
   * then Node's fetch with web streams) with one keep-alive node:http POST; what is sent is
   * the same: the operation's query, variables, operation name and extensions as JSON.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { name, metrics, entityCache } = this.options;
    const { request } = options;
    const context = options.context as Partial<GatewayContext>;
    const query = request.query;
    if (!query) throw new Error('Missing query');
    const isMutation = /^\s*mutation\b/.test(query);
    const cached = entityCache && !isMutation ? entityCache.lookup(name, query, request.variables) : undefined;
    if (cached?.kind === 'hit') {
      metrics.entityCacheLookups.inc({ subgraph: name, result: 'hit' });
      return { data: { _entities: cached.entities } };
    }
    if (cached?.kind !== 'miss') return this.send(request, context, isMutation);

    /*
     * A fetch of public fields answers the same to every viewer: identical ones in flight at
     * once (the author of a post, asked for each of its twenty recipients as a live event is
     * delivered, or by a burst of readers) share one request, and each gets its own copy.
     */
    const key = `${query}\u0000${JSON.stringify(request.variables ?? null)}`;
    const shared = this.inFlight.get(key);
    if (shared !== undefined) {
      metrics.entityCacheLookups.inc({ subgraph: name, result: 'shared' });
      return structuredClone(await shared);
    }
    metrics.entityCacheLookups.inc({ subgraph: name, result: 'miss' });
    const pending = this.send(request, context, false);
    this.inFlight.set(key, pending);
    try {
      const response = await pending;
      cached.store(response);
      return response;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Public entity fetches in flight, by query text and variables. */
  private readonly inFlight = new Map<string, Promise<GatewayGraphQLResponse>>();

  private async send(
    request: GraphQLDataSourceProcessOptions<GatewayContext>['request'],
    context: Partial<GatewayContext>,
    isMutation: boolean,
  ): Promise<GatewayGraphQLResponse> {
    const { name, metrics, logger, entityCache } = this.options;
    const started = performance.now();
    try {
      const { http: _http, ...body } = request;
      return (await this.options.http.postJson(this.target, this.headersFor(context), JSON.stringify(body), {
        timeoutMs: this.options.timeoutMs,
        idempotent: !isMutation,
      })) as GatewayGraphQLResponse;
    } catch (error) {
      const reason = error instanceof SubgraphFetchError ? error.reason : 'invalid_response';
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
      // Whatever a mutation changed about the viewer, the next read of the viewer is fresh. Only
      // the subgraphs whose entities are cached can change them (a new post changes no profile).
      if (isMutation && context.viewerId !== undefined && entityCache?.covers(name)) {
        entityCache.invalidate(context.viewerId);
      }
    }
  }
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
