/**
 * Many `graphql-transport-ws` subscribers on raw `ws` sockets with as little state per
 * connection as possible (the socket and one shared handler), so 10,000 of them cost the
 * benchmark's client a few MB and no CPU while idle: the gateway, not the client, is measured.
 */
import WebSocket from 'ws';

import { inParallel } from './stats.ts';

/** One feed event as a measured subscriber sees it. */
export interface FeedArrival {
  readonly postId: string;
  readonly kind: string;
  /** performance.now() when the message was read. */
  readonly at: number;
}

export interface SubscriberPool {
  /** Sockets still open. */
  readonly open: number;
  /** Sockets the gateway closed, by `code reason`. */
  readonly closes: Readonly<Record<string, number>>;
  /** Whether the gateway accepted permessage-deflate (a browser offers it; `ws` does too). */
  readonly compressed: boolean;
  /** Connects, initialises and subscribes `tokens.length` more, `concurrency` handshakes at a time. */
  add(tokens: readonly string[], concurrency?: number): Promise<void>;
  close(): void;
}

export interface PoolOptions {
  /** ws://host:port/graphql */
  readonly url: string;
  /** What each subscriber subscribes to once acknowledged; undefined: connections only (a baseline). */
  readonly query: string | undefined;
  /** Called for each `next` of a feed subscription; idle pools pass nothing and parse nothing. */
  readonly onFeedEvent?: (arrival: FeedArrival) => void;
  /** Called for each `next` or `error` that carries errors and no feed event (measured pools only). */
  readonly onError?: (message: string) => void;
}

export function createSubscriberPool(options: PoolOptions): SubscriberPool {
  const sockets = new Set<WebSocket>();
  const closes: Record<string, number> = {};
  let compressed = false;
  const subscribe = JSON.stringify({ type: 'subscribe', id: '1', payload: { query: options.query } });
  const pong = JSON.stringify({ type: 'pong' });

  const connect = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(options.url, 'graphql-transport-ws');
      let acked = false;
      socket.on('open', () => {
        compressed ||= socket.extensions.includes('permessage-deflate');
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      });
      socket.on('message', (data: Buffer) => {
        const at = performance.now();
        if (!acked) {
          const message = JSON.parse(data.toString()) as { type: string };
          if (message.type !== 'connection_ack') return;
          acked = true;
          if (options.query !== undefined) socket.send(subscribe);
          resolve();
          return;
        }
        // Idle subscribers skip parsing: only the measured ones look inside a message.
        const text = data.toString();
        if (text.startsWith('{"type":"ping"')) return socket.send(pong);
        if (!options.onFeedEvent) return;
        const message = JSON.parse(text) as {
          type: string;
          payload?:
            { data?: { feedUpdated?: { postId: string; kind: string } } | null; errors?: unknown[] } | unknown[];
        };
        const payload = Array.isArray(message.payload) ? { errors: message.payload } : message.payload;
        const update = message.type === 'next' ? payload?.data?.feedUpdated : undefined;
        if (update) options.onFeedEvent({ postId: update.postId, kind: update.kind, at });
        else if (payload?.errors) options.onError?.(JSON.stringify(payload.errors).slice(0, 300));
      });
      socket.on('close', (code, reason) => {
        sockets.delete(socket);
        const key = `${code} ${reason.toString()}`.trim();
        closes[key] = (closes[key] ?? 0) + 1;
        if (!acked) reject(new Error(`closed before connection_ack: ${key}`));
      });
      socket.on('error', (error) => {
        if (!acked) reject(error);
      });
      sockets.add(socket);
    });

  return {
    get open() {
      return sockets.size;
    },
    closes,
    get compressed() {
      return compressed;
    },
    async add(tokens, concurrency = 64) {
      await inParallel(tokens, concurrency, connect);
    },
    close() {
      for (const socket of sockets) socket.terminate();
    },
  };
}
