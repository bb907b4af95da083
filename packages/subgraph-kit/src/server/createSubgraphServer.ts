import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { Logger } from '@verograph/service';
import { continueTrace } from '@verograph/messaging';
import {
  createOpsServer,
  readViewerBatch,
  verifyViewer,
  viewerBatchOperation,
  type ViewerBatchBody,
} from '@verograph/service';
import { Kind, parse, type DocumentNode, type GraphQLFieldResolver, type GraphQLScalarType } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';

import { maskError } from '../errors/maskError.ts';
import { jitGateway } from './jitExecutor.ts';
import { graphQLError, isRefusal, readVerifiedRequest, sendJson, sendRefusal } from './verifiedRequest.ts';
import { viewerRequestOf, type ViewerRequest } from './viewerRequest.ts';

/** How long an idle kept-alive connection stays open: longer than any client pool's idle time. */
export const SERVER_KEEP_ALIVE_MS = 65_000;

/** A resolver map as `buildSubgraphSchema` takes it, typed by the subgraph's context. */
export interface SubgraphResolvers<TContext> {
  [typeName: string]:
    | {
        [fieldName: string]:
          GraphQLFieldResolver<never, TContext, never> | { resolve?: GraphQLFieldResolver<never, TContext, never> };
      }
    | GraphQLScalarType
    | { [enumValue: string]: string | number };
}

/**
 * Where a subgraph listens, whom it trusts and where it reports: the same for every subgraph,
 * given by its composition root (or a spec) and handed on to `createSubgraphServer` unchanged.
 */
export interface SubgraphServing {
  /** The public port, GraphQL only; 0 picks a free port (tests). */
  readonly port: number;
  /** The operations port (`<NAME>_SUBGRAPH_OPS_PORT`): health, readiness, metrics. Default 0, a free port (tests). */
  readonly opsPort?: number;
  readonly host: string;
  /** SUBGRAPH_SIGNING_SECRET: the HMAC secret shared with the gateway. */
  readonly signingSecret: string;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** The `SubgraphServing` part of a subgraph's options, without the rest (its stores, its clients). */
export function servingOf(options: SubgraphServing): SubgraphServing {
  const { port, opsPort, host, signingSecret, logger, metrics } = options;
  return { port, ...(opsPort !== undefined ? { opsPort } : {}), host, signingSecret, logger, metrics };
}

export interface SubgraphServerOptions<TContext extends BaseContext> extends SubgraphServing {
  /**
   * The subgraph's name in the supergraph (`join__graph(name:)`), for logs and metrics; the
   * gateway's signatures name it, and a signature made for another subgraph is refused.
   */
  readonly name: string;
  readonly typeDefs: DocumentNode;
  readonly resolvers: SubgraphResolvers<TContext>;
  /** Builds one request's context (its DataLoaders) for a verified viewer. */
  readonly context: (request: ViewerRequest) => TContext | Promise<TContext>;
  /** Resolves when the subgraph can answer (its store answers); rejects with the reason otherwise. */
  readonly ready: () => Promise<void>;
  /** The largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** What executes operations: graphql-js (the default) or graphql-jit (see jitExecutor.ts). */
  readonly executor?: 'graphql-js' | 'jit';
}

export interface SubgraphServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4002/graphql. */
  readonly url: string;
  readonly port: number;
  /** The operations endpoints' base, e.g. http://127.0.0.1:4012 (`/health/live`, `/health/ready`, `/metrics`). */
  readonly opsUrl: string;
  /** Stops accepting requests, lets in-flight ones finish and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves a Federation 2 subgraph over node:http: `/graphql` for requests the gateway signed for
 * this subgraph, this body and this moment (anything else is answered 401 before any resolver
 * runs; see viewerSignature.ts), and nothing else on that port: `/health/live`, `/health/ready`
 * (check `store`) and `/metrics` are on the operations port (@verograph/service's opsServer.ts).
 * Errors leave through `maskError`.
 */
export async function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer> {
  const { name, logger, metrics, signingSecret } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const requests = new Counter({
    name: 'subgraph_graphql_requests_total',
    help: 'GraphQL operations served, by operation type and whether the answer carried errors.',
    labelNames: ['operation', 'outcome'],
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'subgraph_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL operation, by operation type.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  const errorsByCode = new Counter({
    name: 'subgraph_graphql_errors_total',
    help: 'GraphQL errors answered, by extensions.code.',
    labelNames: ['code'],
    registers: [metrics],
  });
  const refused = new Counter({
    name: 'subgraph_unsigned_requests_total',
    help: 'Requests refused with 401 because the gateway signature was missing, malformed, stale or forged.',
    labelNames: ['reason'],
    registers: [metrics],
  });

  const observe: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      const stop = duration.startTimer();
      let operation = 'unknown';
      return {
        async didResolveOperation(ctx) {
          operation = ctx.operation?.operation ?? operation;
        },
        async didEncounterErrors(ctx) {
          for (const error of ctx.errors) {
            const masked = maskError({ message: error.message, path: error.path, extensions: error.extensions }, error);
            if (masked.unexpected) {
              logger.error(
                {
                  err: error.originalError ?? error,
                  path: error.path,
                  operationName: ctx.operationName,
                  traceparent: ctx.request.http?.headers.get('traceparent'),
                },
                `${masked.code}: ${error.message}`,
              );
            }
          }
        },
        async willSendResponse(ctx) {
          stop({ operation });
          const body = ctx.response.body;
          const failed = body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0;
          requests.inc({ operation, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };

  const httpServer: Server = createServer();
  // The gateway keeps connections alive and drops idle ones after 30 s: the server must keep
  // them longer, or it may close one just as the gateway sends on it (a reset mutation).
  httpServer.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
  httpServer.headersTimeout = SERVER_KEEP_ALIVE_MS + 1_000;
  const schema = buildSubgraphSchema({
    typeDefs: options.typeDefs,
    // Resolver maps are typed by their own context here; the library types them loosely.
    resolvers: options.resolvers as unknown as GraphQLResolverMap<unknown>,
  });
  const apollo = new ApolloServer<TContext>({
    ...(options.executor === 'jit' ? { gateway: jitGateway(schema) } : { schema }),
    logger,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => {
      const masked = maskError(formatted, error);
      errorsByCode.inc({ code: masked.code });
      return masked.formatted;
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 5_000 }),
      ApolloServerPluginLandingPageDisabled(),
      // Both are on by default for a subgraph and cost on every request: cache control wraps
      // every resolver to compute hints nobody reads (no @cacheControl, no CDN in front), and
      // inline tracing builds a trace tree per request for Apollo usage reporting, which this
      // project does not use (its traces are W3C trace context in logs and Kafka headers).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      observe,
    ],
  });
  await apollo.start();

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed outside GraphQL');
      if (!res.headersSent)
        sendJson(res, 500, graphQLError('INTERNAL_SERVER_ERROR', 'Something went wrong on our side.'));
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/graphql') return graphql(req, res);
    req.resume();
    return sendJson(res, 404, graphQLError('NOT_FOUND', `Nothing at ${path}; GraphQL is at /graphql.`));
  }

  async function graphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readVerifiedRequest(req, { subgraph: name, signingSecret, maxBodyBytes });
    if (isRefusal(read)) {
      if (read.signature !== undefined) refused.inc({ reason: read.signature });
      return sendRefusal(res, read);
    }
    const { body } = read;
    if (read.isBatch) {
      const batch = readViewerBatch(body);
      if (typeof batch === 'string') return sendJson(res, 400, graphQLError('BAD_REQUEST', batch));
      return viewerBatch(batch, res);
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const viewer = viewerRequestOf(req.headers, read.viewerId);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: new URL(req.url ?? '/', 'http://subgraph').search, body },
      context: async () => options.context(viewer),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /**
   * One query executed as each viewer of a viewer batch (see @verograph/service's viewerBatch.ts),
   * each with its own context, all at once: what their resolvers read together is read together.
   * Queries only: a mutation is one viewer's act and never comes in a batch.
   */
  async function viewerBatch(batch: ViewerBatchBody, res: ServerResponse): Promise<void> {
    let document: DocumentNode;
    try {
      document = parse(batch.query);
    } catch {
      return sendJson(res, 400, graphQLError('BAD_REQUEST', 'The viewer batch query does not parse.'));
    }
    const queriesOnly = document.definitions.every(
      (d) => d.kind !== Kind.OPERATION_DEFINITION || d.operation === 'query',
    );
    if (!queriesOnly) return sendJson(res, 400, graphQLError('BAD_REQUEST', 'A viewer batch carries queries only.'));
    const operation = viewerBatchOperation(batch);
    const results = await Promise.all(
      batch.viewers.map(async (viewer, viewerIndex) => {
        const check = verifyViewer(signingSecret, viewer.headers, {
          subgraph: name,
          body: operation,
          scope: { viewerIndex },
        });
        if (!check.ok) {
          refused.inc({ reason: check.reason });
          return graphQLError('UNAUTHENTICATED', `This viewer's gateway signature is not valid (${check.reason}).`);
        }
        const request: ViewerRequest = {
          viewerId: check.viewerId,
          idempotencyKey: undefined,
          trace: continueTrace(viewer.traceparent),
        };
        const response = await apollo.executeOperation(
          { query: batch.query, variables: batch.variables, operationName: batch.operationName },
          { contextValue: await options.context(request) },
        );
        return response.body.kind === 'single'
          ? response.body.singleResult
          : graphQLError('BAD_REQUEST', 'Incremental delivery is not served in a viewer batch.');
      }),
    );
    sendJson(res, 200, { results });
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const ops = await createOpsServer({
    port: options.opsPort ?? 0,
    host: options.host,
    registry: metrics,
    checks: {
      store: async () => {
        await options.ready();
        return { ok: true };
      },
    },
    logger,
  });
  const address = httpServer.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info({ port: address.port, host: address.address, opsPort: ops.port }, `${name} subgraph listening`);
  return {
    url: `http://${host}:${address.port}/graphql`,
    port: address.port,
    opsUrl: ops.url,
    close: async () => {
      await apollo.stop();
      await ops.close();
    },
  };
}
