import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { createOpsServer, type Logger, type OpsServer } from '@verograph/service';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';

import { createViewerAuthenticator } from './auth/viewerAuth.ts';
import type { GatewayConfig } from './config.ts';
import { maskError, maskErrorWithoutSuggestions } from './errors/gatewayErrors.ts';
import { useValueCompletionErrors } from './errors/useValueCompletionErrors.ts';
import { installExecutor } from './execution/installExecutor.ts';
import { createExplorer } from './http/explorer/createExplorer.ts';
import { explorerExamples } from './http/explorer/explorerExamples.ts';
import { createGraphQLHttpHandler } from './http/graphqlHttp.ts';
import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, preferredMediaType, TEXT_HTML } from './http/mediaTypes.ts';
import { useGraphQLOverHttpStatus } from './http/useGraphQLOverHttpStatus.ts';
import { useOperationResolution } from './http/useOperationResolution.ts';
import { useOperationLimits } from './limits/operationLimits.ts';
import { useIntrospectionSwitch } from './limits/useIntrospectionSwitch.ts';
import { watchEventLoopDelay } from './limits/eventLoopDelay.ts';
import { earlyAdmission, useMutationAdmission, type MutationAdmissionOptions } from './limits/useMutationAdmission.ts';
import { createLive } from './live/createLive.ts';
import { createDiagnosticGc, settleParameters } from './observability/diagnosticGc.ts';
import type { GatewayContext } from './observability/gatewayContext.ts';
import { createGatewayMetrics } from './observability/gatewayMetrics.ts';
import { useMetrics } from './observability/useMetrics.ts';
import { useRequestLog } from './observability/useRequestLog.ts';
import type { TrustedDocuments } from './persisted/trustedDocuments.ts';
import { createEntityInvalidation } from './entityCache/entityInvalidation.ts';
import { createPublicEntityCache } from './entityCache/publicEntityCache.ts';
import { createSubgraphDataSource } from './subgraphs/subgraphDataSource.ts';
import { createSubgraphHttpClient } from './subgraphs/subgraphHttpClient.ts';
import { gatewayReadinessChecks } from './subgraphs/subgraphReadiness.ts';
import { subgraphsOf, type SubgraphEndpoint } from './subgraphs/subgraphsOf.ts';
import { supergraphFromFile } from './supergraph/supergraphFromFile.ts';

/** What the composition root builds once and hands to the gateway. */
export interface GatewayDependencies {
  readonly logger: Logger;
  /** The process's Prometheus registry; the gateway registers its metrics on it, served at the ops port's /metrics. */
  readonly registry: Registry;
  readonly documents: TrustedDocuments;
}

export interface Gateway {
  /** Loads the supergraph and listens; resolves to the base URL, e.g. http://127.0.0.1:4000. */
  start(): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish (up to `graceMs`), stops watching the supergraph. */
  stop(graceMs?: number): Promise<void>;
  /** Once started: the operations endpoints' base URL, e.g. http://127.0.0.1:4010. */
  readonly opsUrl: string;
}

/**
 * The federation gateway: Apollo Gateway over the supergraph file, behind Apollo Server with
 * the limits, auth, trusted documents, metrics and logs this project needs, served by a plain
 * Node HTTP server with /graphql and the explorer at /. /health/live, /health/ready (`serving`
 * and one check per subgraph) and /metrics are on the operations port (GATEWAY_OPS_PORT).
 */
export function createGateway(config: GatewayConfig, { logger, registry, documents }: GatewayDependencies): Gateway {
  const metrics = createGatewayMetrics(registry);
  let subgraphs: SubgraphEndpoint[] = [];
  let servedSchema: GraphQLSchema | undefined;
  const subgraphHttp = createSubgraphHttpClient();
  const entityCache = config.entityCache.enabled
    ? createPublicEntityCache({ ttlMs: config.entityCache.ttlMs, maxEntries: config.entityCache.maxEntries })
    : undefined;
  const entityInvalidation = entityCache
    ? createEntityInvalidation({
        kafkaBrokers: config.entityCache.kafkaBrokers,
        topic: config.entityCache.invalidationTopic,
        cache: entityCache,
        logger,
      })
    : undefined;

  // The data sources ApolloGateway built, by subgraph: our executor fetches through the same ones.
  const dataSources = new Map<string, GraphQLDataSource>();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile({
      path: config.supergraphPath,
      debounceMs: config.supergraphDebounceMs,
      logger,
      metrics,
    }),
    buildService: ({ name, url }) => {
      const dataSource = createSubgraphDataSource({
        name,
        url: config.subgraphUrlOverride(name) ?? url ?? '',
        signingSecret: config.subgraphSigningSecret,
        timeoutMs: config.subgraphTimeoutMs,
        metrics,
        logger,
        http: subgraphHttp,
        ...(entityCache ? { entityCache } : {}),
      });
      dataSources.set(name, dataSource);
      return dataSource;
    },
    logger: logger.child({ component: 'apollo-gateway' }),
  });
  installExecutor(gateway, config.executor, (name) => dataSources.get(name));
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    servedSchema = apiSchema;
    // A new supergraph may give the same subgraph query a new meaning.
    entityCache?.clear();
    subgraphs = subgraphsOf(coreSupergraphSdl).map(({ name, url }) => ({
      name,
      url: config.subgraphUrlOverride(name) ?? url,
    }));
    logger.info({ subgraphs }, 'routing to subgraphs');
  });

  const mask = config.suggestions ? maskError : maskErrorWithoutSuggestions;
  const loopDelay = watchEventLoopDelay();
  const admission: MutationAdmissionOptions = {
    maxInFlight: config.limits.maxMutationsInFlight,
    retryAfterMs: config.limits.overloadedRetryAfterMs,
    maxEventLoopDelayMs: config.limits.maxEventLoopDelayMs,
    eventLoopDelayMs: loopDelay.delayMs,
    metrics,
  };
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Clients authenticate with a bearer token, never a cookie, so a cross-site page cannot
    // act as the viewer; plain GETs must work as the GraphQL-over-HTTP spec says.
    csrfPrevention: false,
    // Introspection is switched by useIntrospectionSwitch, with a message naming the variable.
    introspection: true,
    // The trusted-document manifest is the only persisted-document store (see resolveDocument).
    persistedQueries: false,
    includeStacktraceInErrorResponses: false,
    // GATEWAY_SUGGESTIONS=false (production's default): "Did you mean …" would spell out the schema.
    // Done in formatError rather than with hideSchemaDetailsFromClientErrors, which covers
    // validation errors only, not variable coercion's enum suggestions.
    formatError: mask,
    parseOptions: { maxTokens: config.limits.maxTokens },
    logger: logger.child({ component: 'apollo-server' }),
    plugins: [
      useRequestLog(logger),
      useMetrics(metrics),
      useGraphQLOverHttpStatus(),
      useValueCompletionErrors(mask, logger),
      useOperationResolution(),
      useIntrospectionSwitch({ enabled: config.introspection }),
      // The same limits, in the same words, as subscriptions get (live/liveService.ts).
      useOperationLimits({ limits: config.limits, introspection: config.introspection }),
      useMutationAdmission(admission),
    ],
  });

  const authenticator = createViewerAuthenticator(config.jwt);
  const handleGraphQL = createGraphQLHttpHandler({
    apollo,
    authenticator,
    documents,
    trustedDocumentsOnly: config.trustedDocumentsOnly,
    limits: config.limits,
    metrics,
    logger,
    admission: earlyAdmission(admission),
  });
  // Subscriptions: graphql-ws and SSE on /graphql, fed by the live-updates topics (src/live/README.md).
  const live = createLive(config, { gateway, apollo, authenticator, documents, registry, logger });
  // Off unless GATEWAY_DIAGNOSTIC_GC is set: then /debug/gc exists (and node must have --expose-gc).
  const diagnosticGc = config.diagnosticGc ? createDiagnosticGc() : undefined;
  // GraphiQL at / (src/http/explorer/): the registered operations as examples, the schema from the one served.
  const explorer = createExplorer({
    examples: explorerExamples(documents.entries()),
    apiSchema: () => servedSchema,
    introspection: config.introspection,
    authenticator,
    logger,
  });

  let ready = false;
  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const accept = request.headers.accept;
    const wantsPage =
      request.method === 'GET' &&
      !url.searchParams.has('query') &&
      !url.searchParams.has('documentId') &&
      !url.searchParams.has('extensions') &&
      preferredMediaType(accept, [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, TEXT_HTML]) === TEXT_HTML;
    if (await explorer.handle(request, response, url)) return;
    switch (url.pathname) {
      case '/graphql':
        if (live.wantsSse(request)) return live.handleSse(request, response, url);
        if (wantsPage) return explorer.sendPage(response);
        return handleGraphQL(request, response, url);
      case '/debug/gc': {
        if (!diagnosticGc) break;
        if (request.method !== 'POST') {
          return sendJson(response, 405, { error: 'POST to settle garbage collection.' }, { allow: 'POST' });
        }
        const parameters = settleParameters(url);
        if (typeof parameters === 'string') return sendJson(response, 400, { error: parameters });
        return sendJson(response, 200, await diagnosticGc.settle(parameters.rounds, parameters.pauseMs));
      }
    }
    return sendJson(response, 404, { error: `Nothing at ${url.pathname}; GraphQL is at /graphql.` });
  };

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, 'request failed unexpectedly');
      if (!response.headersSent)
        sendJson(response, 500, { error: 'Unexpected error in the gateway; it has been logged.' });
      else response.destroy();
    });
  });

  // Clients and load balancers keep connections alive (an ALB for 60 s): the gateway keeps
  // them longer, so it never closes one just as a client sends on it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('upgrade', live.handleUpgrade);

  let ops: OpsServer | undefined;
  return {
    get opsUrl() {
      if (!ops) throw new Error('the gateway has not started');
      return ops.url;
    },
    async start() {
      // First, so the process answers liveness while the supergraph loads.
      ops = await createOpsServer({
        port: config.opsPort,
        host: config.host,
        registry,
        checks: gatewayReadinessChecks({
          serving: () => ready,
          subgraphs: () => subgraphs,
          signingSecret: config.subgraphSigningSecret,
          timeoutMs: config.readinessTimeoutMs,
        }),
        timeoutMs: config.readinessTimeoutMs,
        logger,
      });
      await apollo.start();
      live.start();
      entityInvalidation?.start();
      ready = true;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { address, port } = server.address() as AddressInfo;
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
      logger.info({ url, subgraphs, trustedDocuments: documents.size }, 'gateway listening');
      return url;
    },
    async stop(graceMs = 10_000) {
      ready = false;
      await live.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
      await apollo.stop();
      await entityInvalidation?.stop();
      subgraphHttp.close();
      loopDelay.stop();
      await ops?.close();
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}
