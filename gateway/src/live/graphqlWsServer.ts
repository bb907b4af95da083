import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import type { Logger } from '@verograph/service';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { LiveConfig } from '../config.ts';
import type { GraphQLParams } from '../persisted/trustedDocuments.ts';
import type { DropReason } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { LiveErrorCode, type LiveOperationSink, type LiveService } from './liveService.ts';

/** The graphql-ws protocol's name, and the only subprotocol served. */
export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

/** Close codes: the protocol's own, plus 4413 for a client dropped as too slow (README). */
export const WsCloseCode = {
  GOING_AWAY: 1001,
  BAD_REQUEST: 4400,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  SUBPROTOCOL_NOT_ACCEPTABLE: 4406,
  CONNECTION_INIT_TIMEOUT: 4408,
  SUBSCRIBER_ALREADY_EXISTS: 4409,
  SLOW_CONSUMER: 4413,
  TOO_MANY_INIT_REQUESTS: 4429,
  INTERNAL_SERVER_ERROR: 4500,
} as const;

export interface GraphQLWsServer {
  /** Takes an HTTP upgrade for /graphql; false when the path is not ours (the caller refuses it). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every connection with 1001 and stops the init-timeout sweep. */
  close(): Promise<void>;
}

/** One client connection's state: kept small, as thousands of them sit idle. */
class Connection {
  /** 0: waiting for connection_init; 1: authenticating; 2: acknowledged. */
  state: 0 | 1 | 2 = 0;
  viewerId: string | undefined = undefined;
  /** Subscriptions by client id; null while one is being set up. */
  readonly operations = new Map<string, { stop(): void } | null>();
  constructor(
    readonly socket: WebSocket,
    readonly openedAt: number,
    readonly authorization: string | undefined,
    readonly traceparent: string | undefined,
  ) {}

  send(message: object): void {
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}

/** Where one subscription's results go: a prototype-method object rather than per-subscription closures. */
class OperationSink implements LiveOperationSink {
  constructor(
    private readonly connection: Connection,
    private readonly id: string,
  ) {}
  next(result: FormattedExecutionResult): void {
    this.connection.send({ id: this.id, type: 'next', payload: result });
  }
  complete(): void {
    if (this.connection.operations.delete(this.id)) this.connection.send({ id: this.id, type: 'complete' });
  }
  unsentBytes(): number {
    return this.connection.socket.bufferedAmount;
  }
  drop(reason: DropReason): void {
    this.connection.socket.close(WsCloseCode.SLOW_CONSUMER, `${reason}: the client fell too far behind`);
  }
}

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol, written down in graphql-ws's
 * PROTOCOL.md) on the gateway's own HTTP server, over the `ws` package with no compression and
 * a small maxPayload. Hand-written rather than graphql-ws's server so that an idle connection
 * costs a socket and this small state: no per-connection timers (one sweep enforces the
 * init timeout), no per-subscription closures.
 */
export function createGraphQLWsServer(options: {
  readonly live: LiveService;
  readonly authenticator: ViewerAuthenticator;
  readonly config: LiveConfig;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
}): GraphQLWsServer {
  const { live, authenticator, config, metrics, logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: config.maxPayloadBytes,
    clientTracking: true,
    // Accept the upgrade whatever the subprotocol, so a wrong one is told 4406 rather than a bare 400.
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false),
  });
  const awaitingInit = new Set<Connection>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const connection of awaitingInit) {
        if (now - connection.openedAt < config.initTimeoutMs) continue;
        awaitingInit.delete(connection);
        connection.socket.close(WsCloseCode.CONNECTION_INIT_TIMEOUT, 'Connection initialisation timeout');
      }
    },
    Math.min(1000, config.initTimeoutMs),
  );
  sweep.unref();

  const close = (connection: Connection, code: number, reason: string): void => {
    connection.socket.close(code, reason);
  };

  const init = async (connection: Connection, payload: unknown): Promise<void> => {
    if (connection.state !== 0)
      return close(connection, WsCloseCode.TOO_MANY_INIT_REQUESTS, 'Too many initialisation requests');
    connection.state = 1;
    awaitingInit.delete(connection);
    const fromPayload =
      isRecord(payload) && typeof (payload.authorization ?? payload.Authorization) === 'string'
        ? String(payload.authorization ?? payload.Authorization)
        : undefined;
    try {
      const authentication = await authenticator.authenticate(fromPayload ?? connection.authorization);
      if (!authentication.ok)
        return close(connection, WsCloseCode.FORBIDDEN, `Forbidden: ${authentication.message}`.slice(0, 120));
      connection.viewerId = authentication.viewerId;
      connection.state = 2;
      connection.send({ type: 'connection_ack' });
    } catch (error) {
      logger.error({ err: error }, 'live connection could not be authenticated');
      close(connection, WsCloseCode.INTERNAL_SERVER_ERROR, 'Internal server error: the token could not be checked');
    }
  };

  const subscribe = async (connection: Connection, id: string, payload: GraphQLParams): Promise<void> => {
    if (connection.operations.has(id)) {
      return close(
        connection,
        WsCloseCode.SUBSCRIBER_ALREADY_EXISTS,
        `Subscriber for ${id} already exists`.slice(0, 120),
      );
    }
    if (connection.operations.size >= config.maxSubscriptionsPerConnection) {
      const error: GraphQLFormattedError = {
        message: `This connection already has ${connection.operations.size} subscriptions; the limit is ${config.maxSubscriptionsPerConnection}.`,
        extensions: { code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS },
      };
      metrics.refusals.inc({ code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS });
      return connection.send({ id, type: 'error', payload: [error] });
    }
    connection.operations.set(id, null);
    const outcome = await live.start({
      params: payload,
      viewerId: connection.viewerId,
      traceparent: connection.traceparent,
      sink: new OperationSink(connection, id),
    });
    // The client completed it, or left, while it was being set up.
    const stillWanted = connection.operations.has(id) && connection.socket.readyState === 1;
    switch (outcome.kind) {
      case 'refused':
        if (connection.operations.delete(id)) connection.send({ id, type: 'error', payload: outcome.errors });
        return;
      case 'single':
        if (connection.operations.delete(id)) {
          connection.send({ id, type: 'next', payload: outcome.result });
          connection.send({ id, type: 'complete' });
        }
        return;
      case 'subscribed':
        if (stillWanted && connection.operations.get(id) === null) connection.operations.set(id, outcome.subscription);
        else if (!stillWanted) outcome.subscription.stop();
        return;
    }
  };

  const onMessage = (connection: Connection, data: RawData): void => {
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return close(connection, WsCloseCode.BAD_REQUEST, 'Invalid message received: not JSON');
    }
    if (!isRecord(message) || typeof message.type !== 'string') {
      return close(connection, WsCloseCode.BAD_REQUEST, 'Invalid message received: no type');
    }
    switch (message.type) {
      case 'connection_init':
        if (message.payload !== undefined && message.payload !== null && !isRecord(message.payload)) {
          return close(connection, WsCloseCode.BAD_REQUEST, 'Invalid message received: payload must be an object');
        }
        void init(connection, message.payload);
        return;
      case 'ping':
        connection.send(message.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: message.payload });
        return;
      case 'pong':
        return;
      case 'subscribe': {
        if (connection.state !== 2) return close(connection, WsCloseCode.UNAUTHORIZED, 'Unauthorized');
        const { id, payload } = message;
        if (typeof id !== 'string' || id === '' || !isRecord(payload)) {
          return close(
            connection,
            WsCloseCode.BAD_REQUEST,
            'Invalid message received: subscribe needs an id and a payload',
          );
        }
        if (payload.query !== undefined && typeof payload.query !== 'string') {
          return close(connection, WsCloseCode.BAD_REQUEST, 'Invalid message received: query must be a string');
        }
        subscribe(connection, id, payload).catch((error: unknown) => {
          logger.error({ err: error }, 'live subscription failed to start');
          if (connection.operations.delete(id)) {
            connection.send({
              id,
              type: 'error',
              payload: [
                {
                  message: 'Unexpected error in the gateway; it has been logged.',
                  extensions: { code: 'INTERNAL_SERVER_ERROR' },
                },
              ],
            });
          }
        });
        return;
      }
      case 'complete': {
        if (typeof message.id !== 'string')
          return close(connection, WsCloseCode.BAD_REQUEST, 'Invalid message received: complete needs an id');
        const operation = connection.operations.get(message.id);
        connection.operations.delete(message.id);
        operation?.stop();
        return;
      }
      default:
        return close(
          connection,
          WsCloseCode.BAD_REQUEST,
          `Invalid message received: unexpected type ${message.type}`.slice(0, 120),
        );
    }
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const connection = new Connection(
      socket,
      Date.now(),
      header(request, 'authorization'),
      header(request, 'traceparent'),
    );
    metrics.connections.inc({ transport: 'ws' });
    socket.on('message', (data: RawData) => onMessage(connection, data));
    socket.on('error', ignoreSocketError);
    socket.once('close', () => {
      metrics.connections.dec({ transport: 'ws' });
      awaitingInit.delete(connection);
      for (const operation of connection.operations.values()) operation?.stop();
      connection.operations.clear();
    });
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS) {
      socket.close(WsCloseCode.SUBPROTOCOL_NOT_ACCEPTABLE, 'Subprotocol not acceptable');
      return;
    }
    awaitingInit.add(connection);
  });

  return {
    handleUpgrade(request, socket, head) {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/graphql') return false;
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      return true;
    },
    async close() {
      clearInterval(sweep);
      for (const client of wss.clients) client.close(WsCloseCode.GOING_AWAY, 'The gateway is shutting down');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A client that never answers the closing handshake is cut off after a second.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
      await Promise.race([closed, grace]);
      for (const client of wss.clients) client.terminate();
    },
  };
}

/** ws closes the socket itself on a protocol error (e.g. 1009 for an oversized message); 'close' cleans up. */
function ignoreSocketError(): void {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
