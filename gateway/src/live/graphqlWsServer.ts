import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type { Logger } from '@verograph/service';
import type { GraphQLFormattedError } from 'graphql';
import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  MessageType,
  parseMessage,
  type Message,
  type SubscribePayload,
} from 'graphql-ws';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { LiveConfig } from '../config.ts';
import { RETRY_AFTER_SECONDS, type ConnectionLimiter } from './connectionLimiter.ts';
import { Connection, Operation, WsCloseCode, type ConnectionCore } from './graphqlWsConnection.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { LiveErrorCode, type LiveService } from './liveService.ts';
import { expirySeconds, TOKEN_EXPIRED } from './tokenExpiry.ts';
import { WaitingSince } from './waitingSince.ts';
import { acceptResponse, readUpgradeRequest, refusalResponse } from './webSocket/handshake.ts';
import { ReadyState } from './webSocket/webSocketConnection.ts';

/** The graphql-ws protocol's name, and the only subprotocol served. */
export const GRAPHQL_TRANSPORT_WS = GRAPHQL_TRANSPORT_WS_PROTOCOL;
const SUBPROTOCOLS = [GRAPHQL_TRANSPORT_WS];
/** Close reasons are at most 123 bytes (RFC 6455 5.5: a control frame's payload, less the code). */
const MAX_REASON = 120;

/** A client that does not answer a close frame within this is cut off (a closing handshake is a round trip). */
const CLOSE_GRACE_MS = 5_000;
/** On shutdown, how long clients have to answer the 1001 close before their sockets are destroyed. */
const SHUTDOWN_GRACE_MS = 1_000;

export interface GraphQLWsServer {
  /** Takes an HTTP upgrade for /graphql; false when the path is not ours (the caller refuses it). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every connection with 1001 and stops the sweep. */
  close(): Promise<void>;
}

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol, written down in graphql-ws's
 * PROTOCOL.md) on the gateway's own HTTP server, over this folder's own RFC 6455 layer
 * (webSocket/): no compression, a small maxPayload. The protocol's messages, their validation
 * and its close codes are graphql-ws's own (`parseMessage`, `MessageType`, `CloseCode`); the
 * connection handling is ours rather than graphql-ws's server on `ws` so that an idle connection
 * costs its socket and one small object: no per-connection timers (one sweep enforces the init
 * timeout, the idle timeout and token expiry), listeners or closures, no per-subscription
 * closures. The measured reason (README, "Memory and backpressure") is re-checked by
 * `npm run bench -- live`, which prints the same slope for graphql-ws's server on `ws` beside ours.
 */
export function createGraphQLWsServer(options: {
  readonly live: LiveService;
  readonly authenticator: ViewerAuthenticator;
  readonly config: LiveConfig;
  /** Shared with SSE: live connections per client address and in total. */
  readonly limiter: ConnectionLimiter;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
}): GraphQLWsServer {
  const { live, authenticator, config, limiter, metrics, logger } = options;
  const connections = new Set<Connection>();
  /** Connections still owing connection_init, since they opened (monotonic clock). */
  const awaitingInit = new WaitingSince<Connection>(config.initTimeoutMs);
  /** Acknowledged connections holding no operation, since when. */
  const idle = new WaitingSince<Connection>(config.idleTimeoutMs);
  const idleReason = `Idle: no subscription for ${config.idleTimeoutMs} ms`;
  let shuttingDown = false;
  let allClosed: (() => void) | undefined;
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const connection of awaitingInit.takeDue(now)) {
        connection.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }
      for (const connection of idle.takeDue(now)) {
        connection.close(WsCloseCode.NORMAL, idleReason);
        metrics.endedConnections.inc({ transport: 'ws', reason: 'IDLE' });
      }
      // Every connection's expiry is read once a tick: a field read per connection, cheaper in
      // memory than an index by expiry. Between ticks, sendMessage checks it before anything goes out.
      const wallClock = Date.now();
      for (const connection of connections) connection.expireIfDue(wallClock);
    },
    Math.min(1000, config.initTimeoutMs, config.idleTimeoutMs),
  );
  sweep.unref();

  const close = (connection: Connection, code: number, reason: string): void => {
    connection.close(code, reason);
  };

  const init = async (connection: Connection, payload: Record<string, unknown> | undefined): Promise<void> => {
    if (connection.state !== 0)
      return close(connection, CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
    connection.state = 1;
    awaitingInit.stop(connection);
    const fromPayload =
      typeof (payload?.authorization ?? payload?.Authorization) === 'string'
        ? String(payload?.authorization ?? payload?.Authorization)
        : undefined;
    const authorization = fromPayload ?? connection.authorization;
    connection.authorization = undefined;
    try {
      const authentication = await authenticator.authenticate(authorization, { remember: false });
      if (!authentication.ok)
        return close(connection, CloseCode.Forbidden, `Forbidden: ${authentication.message}`.slice(0, MAX_REASON));
      connection.viewerId = authentication.viewerId;
      connection.expiresAtSeconds = expirySeconds(authentication.expiresAt);
      connection.state = 2;
      if (connection.readyState === ReadyState.OPEN) idle.start(connection, performance.now());
      connection.sendMessage({ type: MessageType.ConnectionAck });
    } catch (error) {
      logger.error({ err: error }, 'live connection could not be authenticated');
      close(connection, CloseCode.InternalServerError, 'Internal server error: the token could not be checked');
    }
  };

  const subscribe = async (connection: Connection, id: string, payload: SubscribePayload): Promise<void> => {
    if (connection.operation(id) !== undefined) {
      return close(
        connection,
        CloseCode.SubscriberAlreadyExists,
        `Subscriber for ${id} already exists`.slice(0, MAX_REASON),
      );
    }
    if (connection.operationCount >= config.maxSubscriptionsPerConnection) {
      const error: GraphQLFormattedError = {
        message: `This connection already has ${connection.operationCount} subscriptions; the limit is ${config.maxSubscriptionsPerConnection}.`,
        extensions: { code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS },
      };
      metrics.refusals.inc({ code: LiveErrorCode.TOO_MANY_SUBSCRIPTIONS });
      return connection.sendMessage({ id, type: MessageType.Error, payload: [error] });
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
          connection.sendMessage({ id, type: MessageType.Error, payload: outcome.errors });
        }
        return;
      case 'single':
        if (connection.removeOperation(operation)) {
          connection.sendMessage({ id, type: MessageType.Next, payload: outcome.result });
          connection.sendMessage({ id, type: MessageType.Complete });
        }
        return;
      case 'subscribed':
        if (stillWanted) operation.subscription = outcome.subscription;
        else outcome.subscription.stop();
        return;
    }
  };

  const onMessage = (connection: Connection, data: Buffer): void => {
    let message: Message;
    try {
      // graphql-ws's own validation: the message's shape, as its PROTOCOL.md and its server have it.
      message = parseMessage(data.toString());
    } catch (error) {
      const why = error instanceof SyntaxError ? 'not JSON' : error instanceof Error ? error.message : String(error);
      return close(connection, CloseCode.BadRequest, `Invalid message received: ${why}`.slice(0, MAX_REASON));
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        void init(connection, message.payload);
        return;
      case MessageType.Ping:
        connection.sendMessage(
          message.payload == null ? { type: MessageType.Pong } : { type: MessageType.Pong, payload: message.payload },
        );
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe: {
        if (connection.state !== 2) return close(connection, CloseCode.Unauthorized, 'Unauthorized');
        const { id, payload } = message;
        subscribe(connection, id, payload).catch((error: unknown) => {
          logger.error({ err: error }, 'live subscription failed to start');
          const operation = connection.operation(id);
          if (operation !== undefined && connection.removeOperation(operation)) {
            connection.sendMessage({
              id,
              type: MessageType.Error,
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
      case MessageType.Complete: {
        const operation = connection.operation(message.id);
        if (operation === undefined) return;
        connection.removeOperation(operation);
        operation.subscription?.stop();
        return;
      }
      // What only a server sends (as graphql-ws's server answers them).
      case MessageType.ConnectionAck:
      case MessageType.Next:
      case MessageType.Error:
        return close(
          connection,
          CloseCode.BadRequest,
          `Invalid message received: unexpected ${message.type} from a client`.slice(0, MAX_REASON),
        );
    }
  };

  const core: ConnectionCore = {
    maxPayloadBytes: config.maxPayloadBytes,
    closeGraceMs: CLOSE_GRACE_MS,
    message: onMessage,
    closed(connection) {
      metrics.connections.dec({ transport: 'ws' });
      limiter.release(connection.address);
      connections.delete(connection);
      awaitingInit.stop(connection);
      idle.stop(connection);
      connection.stopOperations();
      if (connections.size === 0) allClosed?.();
    },
    idle(connection) {
      if (connection.state === 2 && connection.readyState === ReadyState.OPEN)
        idle.start(connection, performance.now());
    },
    busy(connection) {
      idle.stop(connection);
    },
    expired() {
      metrics.endedConnections.inc({ transport: 'ws', reason: TOKEN_EXPIRED });
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
      // Refused before the 101, so a refused client costs no WebSocket state and no closing handshake.
      const admission = limiter.admit(request.socket.remoteAddress);
      if (!admission.ok) {
        metrics.refusals.inc({ code: admission.code });
        socket.end(refusalResponse(admission.status, admission.message, RETRY_AFTER_SECONDS));
        return true;
      }
      socket.write(acceptResponse(upgrade.key, upgrade.protocol));
      // The HTTP server's 'upgrade' hands over its net.Socket (a Duplex in the event's type).
      const connection = new Connection(
        socket as Socket,
        core,
        admission.address,
        header(request, 'authorization'),
        header(request, 'traceparent'),
      );
      connections.add(connection);
      metrics.connections.inc({ transport: 'ws' });
      // Accepted whatever the subprotocol, so a wrong one is told 4406 rather than a bare 400.
      if (upgrade.protocol === GRAPHQL_TRANSPORT_WS) awaitingInit.start(connection, performance.now());
      else connection.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
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

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
