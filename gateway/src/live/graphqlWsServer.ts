import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type { Logger } from '@verograph/service';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { LiveConfig } from '../config.ts';
import type { GraphQLParams } from '../persisted/trustedDocuments.ts';
import type { DropReason } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { LiveErrorCode, type LiveOperationSink, type LiveService } from './liveService.ts';
import { acceptResponse, readUpgradeRequest, refusalResponse } from './webSocket/handshake.ts';
import { ReadyState, WebSocketConnection, type WebSocketSettings } from './webSocket/webSocketConnection.ts';

/** The graphql-ws protocol's name, and the only subprotocol served. */
export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';
const SUBPROTOCOLS = [GRAPHQL_TRANSPORT_WS];

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

/** A client that does not answer a close frame within this is cut off (a closing handshake is a round trip). */
const CLOSE_GRACE_MS = 5_000;
/** On shutdown, how long clients have to answer the 1001 close before their sockets are destroyed. */
const SHUTDOWN_GRACE_MS = 1_000;

export interface GraphQLWsServer {
  /** Takes an HTTP upgrade for /graphql; false when the path is not ours (the caller refuses it). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every connection with 1001 and stops the init-timeout sweep. */
  close(): Promise<void>;
}

/** What every connection of one server shares: the WebSocket settings and its behaviour, rather than closures per connection. */
interface ConnectionCore extends WebSocketSettings {
  message(connection: Connection, data: Buffer): void;
  closed(connection: Connection): void;
}

/**
 * One client connection: the WebSocket and the protocol's state, kept small, as thousands of
 * them sit idle. Its operations: the first one in a field (most connections have one, the
 * feed), any others in a Map made on demand.
 */
class Connection extends WebSocketConnection<ConnectionCore> {
  /** 0: waiting for connection_init; 1: authenticating; 2: acknowledged. */
  state: 0 | 1 | 2 = 0;
  viewerId: string | undefined = undefined;
  private first: Operation | undefined = undefined;
  private others: Map<string, Operation> | undefined = undefined;
  constructor(
    socket: Socket,
    core: ConnectionCore,
    /** The upgrade request's Authorization header: read at connection_init, then let go. */
    public authorization: string | undefined,
    readonly traceparent: string | undefined,
  ) {
    super(socket, core);
  }

  protected handleMessage(data: Buffer): void {
    this.settings.message(this, data);
  }

  protected handleClose(): void {
    this.settings.closed(this);
  }

  sendMessage(message: object): void {
    this.send(JSON.stringify(message));
  }

  operation(id: string): Operation | undefined {
    return this.first?.id === id ? this.first : this.others?.get(id);
  }

  get operationCount(): number {
    return (this.first === undefined ? 0 : 1) + (this.others?.size ?? 0);
  }

  addOperation(operation: Operation): void {
    if (this.first === undefined) this.first = operation;
    else (this.others ??= new Map()).set(operation.id, operation);
  }

  /** Removes this very operation (not another one that took its id since); false when it was not there. */
  removeOperation(operation: Operation): boolean {
    if (this.first === operation) {
      this.first = undefined;
      return true;
    }
    if (this.others?.get(operation.id) !== operation) return false;
    this.others.delete(operation.id);
    if (this.others.size === 0) this.others = undefined;
    return true;
  }

  /** The connection is gone: every subscription stops. */
  stopOperations(): void {
    const operations = [this.first, ...(this.others?.values() ?? [])];
    this.first = undefined;
    this.others = undefined;
    for (const operation of operations) operation?.subscription?.stop();
  }
}

/**
 * One operation of a connection, which is also where its results go: one small prototype-method
 * object per subscription, no closures.
 */
class Operation implements LiveOperationSink {
  /** The live subscription, once set up (null while it is being set up, or for a query). */
  subscription: { stop(): void } | null = null;
  constructor(
    readonly connection: Connection,
    readonly id: string,
  ) {}
  next(result: FormattedExecutionResult): void {
    this.connection.sendMessage({ id: this.id, type: 'next', payload: result });
  }
  complete(): void {
    if (this.connection.removeOperation(this)) this.connection.sendMessage({ id: this.id, type: 'complete' });
  }
  unsentBytes(): number {
    return this.connection.bufferedAmount;
  }
  drop(reason: DropReason): void {
    this.connection.close(WsCloseCode.SLOW_CONSUMER, `${reason}: the client fell too far behind`);
  }
}

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol, written down in graphql-ws's
 * PROTOCOL.md) on the gateway's own HTTP server, over this folder's own RFC 6455 layer
 * (webSocket/): no compression, a small maxPayload. Hand-written rather than graphql-ws's server
 * on `ws` so that an idle connection costs its socket and one small object: no per-connection
 * timers (one sweep enforces the init timeout), listeners or closures, no per-subscription closures.
 */
export function createGraphQLWsServer(options: {
  readonly live: LiveService;
  readonly authenticator: ViewerAuthenticator;
  readonly config: LiveConfig;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
}): GraphQLWsServer {
  const { live, authenticator, config, metrics, logger } = options;
  const connections = new Set<Connection>();
  /** Connections still owing connection_init, with when they opened. */
  const awaitingInit = new Map<Connection, number>();
  let shuttingDown = false;
  let allClosed: (() => void) | undefined;
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [connection, openedAt] of awaitingInit) {
        if (now - openedAt < config.initTimeoutMs) continue;
        awaitingInit.delete(connection);
        connection.close(WsCloseCode.CONNECTION_INIT_TIMEOUT, 'Connection initialisation timeout');
      }
    },
    Math.min(1000, config.initTimeoutMs),
  );
  sweep.unref();

  const close = (connection: Connection, code: number, reason: string): void => {
    connection.close(code, reason);
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
    const authorization = fromPayload ?? connection.authorization;
    connection.authorization = undefined;
    try {
      const authentication = await authenticator.authenticate(authorization, { remember: false });
      if (!authentication.ok)
        return close(connection, WsCloseCode.FORBIDDEN, `Forbidden: ${authentication.message}`.slice(0, 120));
      connection.viewerId = authentication.viewerId;
      connection.state = 2;
      connection.sendMessage({ type: 'connection_ack' });
    } catch (error) {
      logger.error({ err: error }, 'live connection could not be authenticated');
      close(connection, WsCloseCode.INTERNAL_SERVER_ERROR, 'Internal server error: the token could not be checked');
    }
  };

  const subscribe = async (connection: Connection, id: string, payload: GraphQLParams): Promise<void> => {
    if (connection.operation(id) !== undefined) {
      return close(
        connection,
        WsCloseCode.SUBSCRIBER_ALREADY_EXISTS,
        `Subscriber for ${id} already exists`.slice(0, 120),
      );
    }
    if (connection.operationCount >= config.maxSubscriptionsPerConnection) {
      const error: GraphQLFormattedError = {
        message: `This connection already has ${connection.operationCount} subscriptions; the limit is ${config.maxSubscriptionsPerConnection}.`,
        extensions: { code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS },
      };
      metrics.refusals.inc({ code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS });
      return connection.sendMessage({ id, type: 'error', payload: [error] });
    }
    const operation = new Operation(connection, id);
    connection.addOperation(operation);
    const outcome = await live.start({
      params: payload,
      viewerId: connection.viewerId,
      traceparent: connection.traceparent,
      sink: operation,
    });
    // The client completed it, or left, while it was being set up.
    const stillWanted = connection.operation(id) === operation && connection.readyState === ReadyState.OPEN;
    switch (outcome.kind) {
      case 'refused':
        if (connection.removeOperation(operation)) {
          connection.sendMessage({ id, type: 'error', payload: outcome.errors });
        }
        return;
      case 'single':
        if (connection.removeOperation(operation)) {
          connection.sendMessage({ id, type: 'next', payload: outcome.result });
          connection.sendMessage({ id, type: 'complete' });
        }
        return;
      case 'subscribed':
        if (stillWanted) operation.subscription = outcome.subscription;
        else outcome.subscription.stop();
        return;
    }
  };

  const onMessage = (connection: Connection, data: Buffer): void => {
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
        connection.sendMessage(
          message.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: message.payload },
        );
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
          const operation = connection.operation(id);
          if (operation !== undefined && connection.removeOperation(operation)) {
            connection.sendMessage({
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
        const operation = connection.operation(message.id);
        if (operation === undefined) return;
        connection.removeOperation(operation);
        operation.subscription?.stop();
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

  const core: ConnectionCore = {
    maxPayloadBytes: config.maxPayloadBytes,
    closeGraceMs: CLOSE_GRACE_MS,
    message: onMessage,
    closed(connection) {
      metrics.connections.dec({ transport: 'ws' });
      connections.delete(connection);
      awaitingInit.delete(connection);
      connection.stopOperations();
      if (connections.size === 0) allClosed?.();
    },
  };

  return {
    handleUpgrade(request, socket, head) {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/graphql') return false;
      const upgrade = shuttingDown
        ? ({ ok: false, status: 503, message: 'The gateway is shutting down.' } as const)
        : readUpgradeRequest(request, SUBPROTOCOLS);
      if (!upgrade.ok) {
        socket.end(refusalResponse(upgrade.status, upgrade.message));
        return true;
      }
      if (!socket.writable) {
        socket.destroy();
        return true;
      }
      socket.write(acceptResponse(upgrade.key, upgrade.protocol));
      // The HTTP server's 'upgrade' hands over its net.Socket (a Duplex in the event's type).
      const connection = new Connection(
        socket as Socket,
        core,
        header(request, 'authorization'),
        header(request, 'traceparent'),
      );
      connections.add(connection);
      metrics.connections.inc({ transport: 'ws' });
      // Accepted whatever the subprotocol, so a wrong one is told 4406 rather than a bare 400.
      if (upgrade.protocol === GRAPHQL_TRANSPORT_WS) awaitingInit.set(connection, Date.now());
      else connection.close(WsCloseCode.SUBPROTOCOL_NOT_ACCEPTABLE, 'Subprotocol not acceptable');
      connection.open(head);
      return true;
    },
    async close() {
      shuttingDown = true;
      clearInterval(sweep);
      for (const connection of connections) connection.close(WsCloseCode.GOING_AWAY, 'The gateway is shutting down');
      // A client that never answers the closing handshake is cut off after a second.
      await new Promise<void>((resolve) => {
        if (connections.size === 0) return resolve();
        allClosed = resolve;
        setTimeout(resolve, SHUTDOWN_GRACE_MS).unref();
      });
      for (const connection of connections) connection.terminate();
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
