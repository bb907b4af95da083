import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import { createKafka } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { Registry } from 'prom-client';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import type { TrustedDocuments } from '../persisted/trustedDocuments.ts';
import { createConnectionLimiter } from './connectionLimiter.ts';
import { createFederatedExecutor } from './federatedExecutor.ts';
import { createGraphQLWsServer } from './graphqlWsServer.ts';
import { createKafkaLiveSource, type LiveValue } from './kafkaLiveSource.ts';
import { createLiveHub } from './liveHub.ts';
import { createLiveMetrics, hubObserver } from './liveMetrics.ts';
import { createLiveService } from './liveService.ts';
import { createSseHandler } from './sseHandler.ts';

/** Live subscriptions as the gateway mounts them: a WebSocket upgrade and an SSE route on /graphql. */
export interface Live {
  /** The HTTP server's 'upgrade' listener: graphql-ws on /graphql, anything else refused. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Whether a /graphql request asks for an event stream. */
  wantsSse(request: IncomingMessage): boolean;
  handleSse(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
  /** Starts the Kafka consumer now if configured to (otherwise the first subscription does). */
  start(): void;
  /** Closes live connections (1001 / end of stream) and the consumer, deleting its group. */
  stop(): Promise<void>;
}

export interface LiveDependencies {
  readonly gateway: ApolloGateway;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly authenticator: ViewerAuthenticator;
  readonly documents: TrustedDocuments;
  readonly registry: Registry;
  readonly logger: Logger;
}

/** Builds the live layer (see README.md beside this file) from the gateway's configuration and parts. */
export function createLive(config: GatewayConfig, deps: LiveDependencies): Live {
  const { live: liveConfig, limits } = config;
  const logger = deps.logger.child({ component: 'live' });
  const metrics = createLiveMetrics(deps.registry);
  const hub = createLiveHub<LiveValue>({
    maxSubscriptionsPerViewer: liveConfig.maxSubscriptionsPerViewer,
    maxBufferedEvents: liveConfig.maxBufferedEvents,
    maxBufferedBytes: liveConfig.maxBufferedBytes,
    observer: hubObserver(metrics, (error) => logger.error({ err: error }, 'live event could not be delivered')),
  });
  const source = createKafkaLiveSource({
    kafka: createKafka('gateway-live', liveConfig.kafkaBrokers),
    topics: {
      feed: liveConfig.feedTopic,
      engagement: liveConfig.engagementTopic,
      notification: liveConfig.notificationTopic,
    },
    hub,
    windowMs: liveConfig.windowMs,
    windowEventsPerPartition: liveConfig.windowEventsPerPartition,
    logger,
    onPoison: (stream) => metrics.poisonRecords.inc({ stream }),
  });
  const service = createLiveService({
    hub,
    source,
    executor: createFederatedExecutor(deps.gateway, logger),
    apollo: deps.apollo,
    documents: deps.documents,
    trustedDocumentsOnly: config.trustedDocumentsOnly,
    limits,
    introspection: config.introspection,
    suggestions: config.suggestions,
    metrics,
    logger,
    windowMs: liveConfig.windowMs,
  });
  // One count for both transports: a client holds live connections, whichever protocol they speak.
  const limiter = createConnectionLimiter({
    maxPerAddress: liveConfig.maxConnectionsPerAddress,
    maxTotal: liveConfig.maxConnections,
  });
  const ws = createGraphQLWsServer({
    live: service,
    authenticator: deps.authenticator,
    config: liveConfig,
    limiter,
    metrics,
    logger,
  });
  const sse = createSseHandler({
    live: service,
    authenticator: deps.authenticator,
    config: liveConfig,
    limits,
    limiter,
    metrics,
    logger,
  });

  return {
    handleUpgrade(request, socket, head) {
      if (!ws.handleUpgrade(request, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      }
    },
    wantsSse: (request) => sse.wants(request),
    handleSse: (request, response, url) => sse.handle(request, response, url),
    start() {
      if (!liveConfig.consumeOnStart) return;
      source.ensureStarted().catch((error: unknown) => {
        logger.error({ err: error }, 'live updates consumer could not start; the first subscription retries');
      });
    },
    async stop() {
      sse.close();
      await ws.close();
      await source.stop();
    },
  };
}
