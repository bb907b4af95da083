import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { childSpan, continueTrace, type TraceContext } from '@verograph/messaging';
import {
  MAX_BATCH_VIEWERS,
  signViewer,
  VIEWER_BATCH_HEADER,
  viewerBatchOperation,
  type Logger,
  type ViewerBatchAnswer,
  type ViewerBatchBody,
} from '@verograph/service';
import { GraphQLError } from 'graphql';

import type { PublicEntityCache } from '../entityCache/publicEntityCache.ts';
import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';
import { createFetchBodyText } from './fetchBodyText.ts';
import { SubgraphFetchError, type SubgraphFailure, type SubgraphHttpClient } from './subgraphHttpClient.ts';

export type { SubgraphFailure } from './subgraphHttpClient.ts';

// Named through the gateway's own types, so they follow whatever versions it depends on.
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
type FetchRequest = GraphQLDataSourceProcessOptions<GatewayContext>['request'];
/** What is sent of a fetch: the request without its HTTP settings. */
type FetchBody = Omit<FetchRequest, 'http'>;

/** A fetch waiting to go out in a viewer batch. */
interface BatchedFetch {
  readonly context: Partial<GatewayContext>;
  resolve(response: GatewayGraphQLResponse): void;
  reject(error: unknown): void;
}

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

/**
 * How the gateway talks to one subgraph. Each fetch carries the viewer, signed with the secret
 * the subgraphs share with the gateway (the client's token stops here) for this subgraph and
 * this body only (viewerSignature.ts), the trace, and the client's Idempotency-Key. A fetch that fails or outlives `timeoutMs` becomes a
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
  private readonly bodyText = createFetchBodyText();
  /** The fetch-duration histogram's series of this subgraph, resolved once instead of per fetch. */
  private readonly fetchDuration: { observe(seconds: number): void };

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.options = options;
    this.target = new URL(options.url);
    this.fetchDuration = options.metrics.subgraphFetchDuration.labels({ subgraph: options.name });
  }

  /**
   * The headers of one fetch of `body` (the exact text sent): the viewer signed for this
   * subgraph and this body, trace and Idempotency-Key. One SHA-256 and one HMAC per fetch,
   * a few microseconds for a subgraph query's body.
   */
  private headersFor(
    context: Partial<GatewayContext>,
    body: string,
    scope: 'request' | 'batch',
  ): Record<string, string> {
    // Health checks and schema loads carry no request context: they go as an anonymous viewer.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...signViewer(this.options.signingSecret, context.viewerId, { subgraph: this.options.name, body, scope }),
    };
    const trace = spanOf(context.trace);
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

  private send(
    request: FetchRequest,
    context: Partial<GatewayContext>,
    isMutation: boolean,
  ): Promise<GatewayGraphQLResponse> {
    const { http: _http, ...body } = request;
    const text = this.bodyText(body);
    if (context.viewerBatching && !isMutation) return this.batched(text, body, context);
    return this.postOne(text, context, isMutation);
  }

  /** One operation as one viewer: the plain request. */
  private postOne(
    body: string,
    context: Partial<GatewayContext>,
    isMutation: boolean,
  ): Promise<GatewayGraphQLResponse> {
    return this.guarded(
      context,
      isMutation,
      async () =>
        this.options.http.postJson(this.target, this.headersFor(context, body, 'request'), body, {
          timeoutMs: this.options.timeoutMs,
          idempotent: !isMutation,
        }) as Promise<GatewayGraphQLResponse>,
    );
  }

  /*
   * Viewer batches: the fetches made for different viewers while the same turn of the event
   * loop runs (the recipients of one live update, resolved together), with the same query and
   * variables, leave as one request; each fetch gets its own viewer's answer.
   */
  private readonly waiting = new Map<string, { readonly body: FetchBody; readonly fetches: BatchedFetch[] }>();
  private flushScheduled = false;

  private batched(text: string, body: FetchBody, context: Partial<GatewayContext>): Promise<GatewayGraphQLResponse> {
    return new Promise((resolve, reject) => {
      let batch = this.waiting.get(text);
      if (batch === undefined) this.waiting.set(text, (batch = { body, fetches: [] }));
      batch.fetches.push({ context, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushBatches());
      }
    });
  }

  private flushBatches(): void {
    this.flushScheduled = false;
    const batches = [...this.waiting];
    this.waiting.clear();
    for (const [text, { body, fetches }] of batches) {
      for (let i = 0; i < fetches.length; i += MAX_BATCH_VIEWERS) {
        const chunk = fetches.slice(i, i + MAX_BATCH_VIEWERS);
        const sent =
          chunk.length === 1
            ? this.postOne(text, chunk[0]!.context, false).then((response) => [response])
            : this.sendViewerBatch(body, chunk);
        sent.then(
          (responses) => chunk.forEach((fetch, j) => fetch.resolve(responses[j]!)),
          (error: unknown) => chunk.forEach((fetch) => fetch.reject(error)),
        );
      }
    }
  }

  private sendViewerBatch(body: FetchBody, fetches: readonly BatchedFetch[]): Promise<GatewayGraphQLResponse[]> {
    const { query, variables, operationName } = body;
    const operation = {
      query: query ?? '',
      ...(variables ? { variables } : {}),
      ...(operationName ? { operationName } : {}),
    };
    // Each viewer is signed over the batch's operation at its own index: worth nothing elsewhere.
    const signed = { subgraph: this.options.name, body: viewerBatchOperation(operation) };
    const batch: ViewerBatchBody = {
      ...operation,
      viewers: fetches.map(({ context }, viewerIndex) => ({
        headers: signViewer(this.options.signingSecret, context.viewerId, { ...signed, scope: { viewerIndex } }),
        traceparent: spanOf(context.trace).traceparent,
      })),
    };
    const text = JSON.stringify(batch);
    // The request itself is the gateway's, for no viewer; the first fetch's trace carries it.
    const headers = {
      ...this.headersFor({ trace: fetches[0]!.context.trace }, text, 'batch'),
      [VIEWER_BATCH_HEADER]: '1',
    };
    return this.guarded({}, false, async () => {
      const answer = (await this.options.http.postJson(this.target, headers, text, {
        timeoutMs: this.options.timeoutMs,
        idempotent: true,
      })) as Partial<ViewerBatchAnswer>;
      if (!Array.isArray(answer.results) || answer.results.length !== fetches.length) {
        throw new SubgraphFetchError('invalid_response', 'the viewer batch answer does not have one result per viewer');
      }
      return answer.results as GatewayGraphQLResponse[];
    });
  }

  /** Runs one request to the subgraph: a failure becomes SUBGRAPH_UNAVAILABLE, timed and counted. */
  private async guarded<T>(context: Partial<GatewayContext>, isMutation: boolean, fetch: () => Promise<T>): Promise<T> {
    const { name, metrics, logger, entityCache } = this.options;
    const started = performance.now();
    try {
      return await fetch();
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
      this.fetchDuration.observe((performance.now() - started) / 1000);
      // Whatever a mutation changed about the viewer, the next read of the viewer is fresh. Only
      // the subgraphs whose entities are cached can change them (a new post changes no profile).
      if (isMutation && context.viewerId !== undefined && entityCache?.covers(name)) {
        entityCache.invalidate(context.viewerId);
      }
    }
  }
}

/** A span of the request's trace for one fetch; a new trace for a fetch of no request (health, schema). */
function spanOf(trace: TraceContext | undefined): TraceContext {
  return trace ? childSpan(trace) : continueTrace(undefined);
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
