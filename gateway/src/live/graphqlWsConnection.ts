import type { Socket } from 'node:net';

import type { FormattedExecutionResult } from 'graphql';
import { CloseCode, MessageType, type Message } from 'graphql-ws';

import type { DropReason } from './liveHub.ts';
import type { LiveOperationSink } from './liveService.ts';
import { hasExpired, TOKEN_EXPIRED_REASON } from './tokenExpiry.ts';
import { ReadyState, WebSocketConnection, type WebSocketSettings } from './webSocket/webSocketConnection.ts';

/**
 * Close codes beside graphql-ws's own (its `CloseCode`): RFC 6455's normal closure and going
 * away, and 4413 for a client dropped as too slow (README).
 */
export const WsCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  SLOW_CONSUMER: 4413,
} as const;

/** What every connection of one server shares: the WebSocket settings and its behaviour, rather than closures per connection. */
export interface ConnectionCore extends WebSocketSettings {
  message(connection: Connection, data: Buffer): void;
  closed(connection: Connection): void;
  /** The connection holds no operation any more (or was just acknowledged): its idle time starts. */
  idle(connection: Connection): void;
  /** The connection took its first operation: it is no longer idle. */
  busy(connection: Connection): void;
  /** The token expired: the connection is being closed with 4403. */
  expired(connection: Connection): void;
}

/**
 * One client connection: the WebSocket and the protocol's state, kept small, as thousands of
 * them sit idle. Its operations: the first one in a field (most connections have one, the
 * feed), any others in a Map made on demand.
 */
export class Connection extends WebSocketConnection<ConnectionCore> {
  /** 0: waiting for connection_init; 1: authenticating; 2: acknowledged. */
  state: 0 | 1 | 2 = 0;
  viewerId: string | undefined = undefined;
  /** When the token expires, in whole seconds (tokenExpiry.ts); undefined for an anonymous connection. */
  expiresAtSeconds: number | undefined = undefined;
  private first: Operation | undefined = undefined;
  private others: Map<string, Operation> | undefined = undefined;
  constructor(
    socket: Socket,
    core: ConnectionCore,
    /** What the connection limiter counts it under, to give its place back. */
    readonly address: string,
    /** The upgrade request's Authorization header: read at connection_init, then let go. */
    public authorization: string | undefined,
    readonly traceparent: string | undefined,
  ) {
    super(socket, core);
  }

  protected handleMessage(data: Buffer): void {
    if (this.expireIfDue()) return;
    this.settings.message(this, data);
  }

  protected handleClose(): void {
    this.settings.closed(this);
  }

  /** Sends one protocol message, unless the token has expired: then the connection closes instead (4403). */
  sendMessage(message: Message): void {
    if (this.expireIfDue()) return;
    this.send(JSON.stringify(message));
  }

  /**
   * Closes the connection with 4403 if its token has expired: checked before anything goes out,
   * so a delivery still running when the token expired is never sent, whenever the sweep runs.
   */
  expireIfDue(now = Date.now()): boolean {
    if (!hasExpired(this.expiresAtSeconds, now)) return false;
    if (this.readyState === ReadyState.OPEN) {
      this.close(CloseCode.Forbidden, TOKEN_EXPIRED_REASON);
      this.settings.expired(this);
    }
    return true;
  }

  operation(id: string): Operation | undefined {
    return this.first?.id === id ? this.first : this.others?.get(id);
  }

  get operationCount(): number {
    return (this.first === undefined ? 0 : 1) + (this.others?.size ?? 0);
  }

  addOperation(operation: Operation): void {
    if (this.operationCount === 0) this.settings.busy(this);
    if (this.first === undefined) this.first = operation;
    else (this.others ??= new Map()).set(operation.id, operation);
  }

  /** Removes this very operation (not another one that took its id since); false when it was not there. */
  removeOperation(operation: Operation): boolean {
    if (this.first === operation) {
      this.first = undefined;
    } else {
      if (this.others?.get(operation.id) !== operation) return false;
      this.others.delete(operation.id);
      if (this.others.size === 0) this.others = undefined;
    }
    if (this.operationCount === 0) this.settings.idle(this);
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
export class Operation implements LiveOperationSink {
  /** The live subscription, once set up (null while it is being set up, or for a query). */
  subscription: { stop(): void } | null = null;
  constructor(
    readonly connection: Connection,
    readonly id: string,
  ) {}
  next(result: FormattedExecutionResult): void {
    this.connection.sendMessage({ id: this.id, type: MessageType.Next, payload: result });
  }
  complete(): void {
    if (this.connection.removeOperation(this)) {
      this.connection.sendMessage({ id: this.id, type: MessageType.Complete });
    }
  }
  unsentBytes(): number {
    return this.connection.bufferedAmount;
  }
  drop(reason: DropReason): void {
    this.connection.close(WsCloseCode.SLOW_CONSUMER, `${reason}: the client fell too far behind`);
  }
}
