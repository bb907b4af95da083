import type { Socket } from 'node:net';

import { CloseCode, readFrames, type FrameListener, type PartialInput } from './frameReader.ts';
import { encodeClose, encodeFrame, Opcode } from './frameWriter.ts';

/** A connection's state as the WebSocket API names it (there is no CONNECTING: it starts open). */
export const ReadyState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** What every connection of one server shares (one object, not a copy per connection). */
export interface WebSocketSettings {
  /** The largest message (all fragments together) a peer may send; past it the connection closes 1009. */
  readonly maxPayloadBytes: number;
  /** After this side's close frame, how long the peer has to finish the closing handshake before the socket is destroyed. */
  readonly closeGraceMs: number;
}

/** The connection that owns a socket, kept on the socket so its listeners can be shared functions. */
const owner = Symbol('webSocketConnection');
interface OwnedSocket extends Socket {
  [owner]?: WebSocketConnection;
}

const SENT_CLOSE = 1;
const RECEIVED_CLOSE = 2;
/** The peer broke the protocol: nothing more it sends is read. */
const INPUT_STOPPED = 4;
const SOCKET_CLOSED = 8;

/** What exists only once a closing handshake has started. */
interface Closing {
  readonly timer: NodeJS.Timeout;
  /** The peer's close frame, once received: its code (1005 when it had none) and reason. */
  peerCode: number;
  peerReason: string;
}

/**
 * One server-side WebSocket (RFC 6455) on an upgraded socket, after the handshake. Built to sit
 * idle by the thousand: the state is a few fields, the socket's listeners are shared functions,
 * parser state exists only while a frame or message is partly received, and a timer only while
 * a closing handshake waits for the peer. No extension is negotiated (no compression).
 *
 * Subclasses get whole messages in `handleMessage` and the end in `handleClose`; `settings` is
 * one object shared by a server's connections, which a subclass may extend with its own shared
 * parts (one field per connection for both).
 */
export abstract class WebSocketConnection<S extends WebSocketSettings = WebSocketSettings> implements FrameListener {
  private partial: PartialInput | undefined = undefined;
  private flags = 0;
  private closing: Closing | undefined = undefined;

  constructor(
    readonly socket: Socket,
    protected readonly settings: S,
  ) {}

  /** A whole message from the peer, while the connection is open. */
  protected abstract handleMessage(data: Buffer, binary: boolean): void;
  /** The socket is closed: the peer's close code (1006 when it sent no close frame) and reason. */
  protected abstract handleClose(code: number, reason: string): void;

  /**
   * Starts reading, once the 101 answer is written and the subclass is built (its fields are set
   * after this constructor, so reading cannot start in it). `head` is what the client sent after
   * its handshake, in the same packet.
   */
  open(head: Buffer): void {
    const socket = this.socket as OwnedSocket;
    socket[owner] = this;
    // The HTTP server's idle timeout no longer applies; small frames go out at once.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // The HTTP server allows half-open sockets; here a peer's FIN ends this side too (the stream
    // does it), which spares an 'end' listener per connection.
    socket.allowHalfOpen = false;
    socket.on('data', onSocketData);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
    if (head.length > 0) this.receive(head);
  }

  get readyState(): ReadyState {
    if ((this.flags & SOCKET_CLOSED) !== 0) return ReadyState.CLOSED;
    return this.flags === 0 ? ReadyState.OPEN : ReadyState.CLOSING;
  }

  /** Bytes written but not yet handed to the kernel: how far behind the peer is reading. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** Sends one message (text unless `binary`); false when the connection is no longer open. */
  send(data: string | Buffer, binary = false): boolean {
    if (this.flags !== 0 || !this.socket.writable) return false;
    this.socket.write(encodeFrame(binary ? Opcode.BINARY : Opcode.TEXT, data));
    return true;
  }

  /**
   * Starts the closing handshake: a close frame with `code` and `reason` (cut to 123 bytes);
   * the socket is destroyed if the peer has not answered within the grace period.
   */
  close(code: number, reason = ''): void {
    if ((this.flags & (SENT_CLOSE | SOCKET_CLOSED)) !== 0) return;
    this.flags |= SENT_CLOSE;
    if (this.socket.writable) this.socket.write(encodeClose(code, reason));
    if ((this.flags & (RECEIVED_CLOSE | INPUT_STOPPED)) !== 0) this.socket.end();
    this.startClosing();
  }

  /** Destroys the socket at once, with no closing handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  /** @internal Bytes from the socket. */
  receive(chunk: Buffer): void {
    if ((this.flags & (RECEIVED_CLOSE | INPUT_STOPPED | SOCKET_CLOSED)) !== 0) return;
    this.partial = readFrames(chunk, this.partial, this, this.settings.maxPayloadBytes);
  }

  /** @internal */
  onMessage(data: Buffer, binary: boolean): void {
    // Once this side has sent its close frame the application is done; data still in flight is dropped.
    if (this.flags === 0) this.handleMessage(data, binary);
  }

  /** @internal A ping is answered with a pong carrying the same bytes (§5.5.2). */
  onPing(data: Buffer): void {
    if ((this.flags & SENT_CLOSE) === 0 && this.socket.writable) this.socket.write(encodeFrame(Opcode.PONG, data));
  }

  /** @internal An unsolicited pong needs no answer (§5.5.3). */
  onPong(): void {}

  /**
   * @internal The peer's close frame: echoed with the same code if this side has not closed yet
   * (§5.5.1), then the server ends the TCP connection first (§7.1.1).
   */
  onCloseFrame(code: number | undefined, reason: string): void {
    this.flags |= RECEIVED_CLOSE;
    this.partial = undefined;
    const closing = this.startClosing();
    closing.peerCode = code ?? CloseCode.NO_STATUS;
    closing.peerReason = reason;
    if ((this.flags & SENT_CLOSE) === 0) {
      this.flags |= SENT_CLOSE;
      if (this.socket.writable) this.socket.write(encodeClose(code));
    }
    this.socket.end();
  }

  /** @internal The peer broke the protocol: fail the connection with `code` (§7.1.7). */
  onProtocolError(code: number, reason: string): void {
    this.flags |= INPUT_STOPPED;
    this.partial = undefined;
    this.close(code, reason);
    // Also when this side had already sent its close frame: nothing more will be read.
    this.socket.end();
  }

  /** @internal */
  socketClosed(): void {
    if ((this.flags & SOCKET_CLOSED) !== 0) return;
    this.flags |= SOCKET_CLOSED;
    this.partial = undefined;
    const closing = this.closing;
    if (closing !== undefined) clearTimeout(closing.timer);
    this.handleClose(closing?.peerCode ?? CloseCode.ABNORMAL, closing?.peerReason ?? '');
  }

  /** The closing state, made once; the peer then has the grace period to finish the handshake. */
  private startClosing(): Closing {
    this.closing ??= {
      timer: setTimeout(destroySocket, this.settings.closeGraceMs, this.socket).unref(),
      peerCode: CloseCode.ABNORMAL,
      peerReason: '',
    };
    return this.closing;
  }
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[owner]?.receive(chunk);
}

function onSocketClose(this: OwnedSocket): void {
  this[owner]?.socketClosed();
}

/** A reset or a write after the peer left: 'close' follows and does the cleaning up. */
function onSocketError(): void {}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
