/**
 * Live-subscription clients for the e2e scenarios, as a frontend would use them: graphql-ws's
 * own client over the `ws` WebSocket, a GraphQL-over-SSE reader on fetch that sends
 * Last-Event-ID, and a raw `graphql-transport-ws` socket for what a well-behaved client never
 * does (stop reading, break the protocol). Each records every result and how the stream ended,
 * so a test can wait for what it expects and then assert exactly what arrived.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL error as the gateway sends it. */
export interface LiveError {
  readonly message: string;
  readonly extensions?: { readonly code?: string } & Record<string, unknown>;
}

/** One `next` of a subscription: an execution result, with the SSE event id when there was one. */
export interface LiveResult<T> {
  readonly data?: T | null;
  readonly errors?: readonly LiveError[];
  /** The SSE `id:` field of the event (the cursor an SSE client resumes from). */
  readonly eventId?: string;
  /** When it arrived (Date.now()). */
  readonly at: number;
}

/** How a subscription stopped, if it has. */
export type LiveEnding =
  | { readonly kind: 'complete' }
  /** The server answered the subscription with errors (graphql-ws `error`, or an SSE/HTTP error body). */
  | { readonly kind: 'errors'; readonly errors: readonly LiveError[]; readonly status?: number }
  /** The socket or stream closed: WebSocket close code and reason (SSE: code 0). */
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string };

export interface LiveSubscription<T> {
  readonly transport: 'ws' | 'sse';
  /** Every result so far, in arrival order. */
  readonly results: readonly LiveResult<T>[];
  readonly ending: LiveEnding | undefined;
  /** Resolves once `done(this)` holds; fails with `what` and what arrived after `timeoutMs`. */
  until(what: string, done: (subscription: LiveSubscription<T>) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops the subscription and closes its socket or stream. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** The gateway's GraphQL endpoint over HTTP, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  readonly token?: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly extensions?: Record<string, unknown>;
}

const poll = 25;

function recorder<T>(transport: 'ws' | 'sse', stop: () => Promise<void>) {
  const results: LiveResult<T>[] = [];
  let ending: LiveEnding | undefined;
  const subscription: LiveSubscription<T> = {
    transport,
    results,
    get ending() {
      return ending;
    },
    async until(what, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(subscription)) {
        // An ended stream will not change any more: say so now rather than at the deadline.
        if (Date.now() > deadline || ending !== undefined) {
          throw new Error(
            `${transport}: ${ending ? 'ended' : `timed out after ${timeoutMs} ms`} waiting for ${what}; ` +
              `received ${JSON.stringify(results.map(({ at: _at, ...r }) => r))}; ending ${JSON.stringify(ending)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, poll));
      }
    },
    close: stop,
  };
  return {
    subscription,
    push: (result: Omit<LiveResult<T>, 'at'>) => results.push({ ...result, at: Date.now() }),
    end: (e: LiveEnding) => {
      ending ??= e;
    },
  };
}

/** `http://h:p/graphql` → `ws://h:p/graphql`: graphql-ws is served on the same path. */
export const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/**
 * A graphql-ws (`graphql-transport-ws`) subscription through graphql-ws's own client, with the
 * bearer token in `connection_init` and no retries: a test sees every close as it happened.
 */
export function subscribeWs<T>(options: SubscribeOptions & { readonly connectionParams?: Record<string, unknown> }) {
  const { subscription, push, end } = recorder<T>('ws', async () => {
    unsubscribe();
    await client.dispose();
  });
  const client: Client = createClient({
    url: wsUrlOf(options.url),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams:
      options.connectionParams ?? (options.token ? { authorization: `Bearer ${options.token}` } : undefined),
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        end({ kind: 'closed', code, reason: String(reason) });
      },
    },
  });
  const unsubscribe = client.subscribe<T>(
    { query: options.query, variables: options.variables, extensions: options.extensions },
    {
      next: (result) => push({ data: result.data as T | null | undefined, errors: result.errors as LiveError[] }),
      error: (error) => {
        if (Array.isArray(error)) end({ kind: 'errors', errors: error as LiveError[] });
        else if (error && typeof error === 'object' && 'code' in error) {
          const { code, reason } = error as { code: number; reason: string };
          end({ kind: 'closed', code, reason: String(reason) });
        } else end({ kind: 'errors', errors: [{ message: String(error) }] });
      },
      complete: () => end({ kind: 'complete' }),
    },
  );
  return subscription;
}

/**
 * A GraphQL-over-SSE subscription ("distinct connections" mode: one POST whose answer is the
 * event stream), read from fetch's body stream. `lastEventId` is sent as Last-Event-ID, as a
 * browser's EventSource does when it reconnects.
 */
export function subscribeSse<T>(options: SubscribeOptions & { readonly lastEventId?: string; readonly path?: string }) {
  const abort = new AbortController();
  let finished: Promise<void> = Promise.resolve();
  const { subscription, push, end } = recorder<T>('sse', async () => {
    abort.abort();
    await finished;
  });
  const url = options.path ? new URL(options.path, options.url).toString() : options.url;
  finished = (async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
        },
        body: JSON.stringify({ query: options.query, variables: options.variables, extensions: options.extensions }),
        signal: abort.signal,
      });
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !type.includes('text/event-stream')) {
        const text = await response.text();
        let errors: LiveError[] = [{ message: text.slice(0, 500) }];
        try {
          const body = JSON.parse(text) as { errors?: LiveError[] };
          if (body.errors) errors = body.errors;
        } catch {
          // Not JSON: the text itself is the clearest message.
        }
        end({ kind: 'errors', errors, status: response.status });
        return;
      }
      await readEventStream(response.body!, (event) => {
        if (event.event === 'next' || (event.event === undefined && event.data)) {
          const result = JSON.parse(event.data) as { data?: T | null; errors?: LiveError[] };
          push({ data: result.data, errors: result.errors, ...(event.id !== undefined ? { eventId: event.id } : {}) });
          // An error result that is not part of a data result ends a subscription in graphql-sse's model.
        } else if (event.event === 'complete') {
          end({ kind: 'complete' });
        } else if (event.event === 'error') {
          const body = JSON.parse(event.data) as { errors?: LiveError[] } | LiveError[];
          end({ kind: 'errors', errors: Array.isArray(body) ? body : (body.errors ?? []) });
        }
      });
      end({ kind: 'closed', code: 0, reason: 'stream ended' });
    } catch (error) {
      end({ kind: 'closed', code: 0, reason: abort.signal.aborted ? 'closed by the client' : String(error) });
    }
  })();
  return subscription;
}

interface ServerSentEvent {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/** Parses a text/event-stream body as the HTML standard says: fields per line, events split by blank lines. */
async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: ServerSentEvent) => void) {
  const decoder = new TextDecoder();
  let buffered = '';
  let event: string | undefined;
  let id: string | undefined;
  let data: string[] = [];
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    const lines = buffered.split(/\r\n|\r|\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0 || event !== undefined) {
          onEvent({ data: data.join('\n'), ...(event !== undefined ? { event } : {}), ...(id ? { id } : {}) });
        }
        event = undefined;
        id = undefined;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = text;
      else if (field === 'data') data.push(text);
      else if (field === 'id') id = text;
    }
  }
}

/** A message of the `graphql-transport-ws` protocol. */
export interface WsMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

/**
 * A bare `graphql-transport-ws` socket: the test drives the protocol by hand, and can stop
 * reading (`pause`) to be a consumer that never keeps up.
 */
export interface RawWsClient {
  readonly messages: readonly WsMessage[];
  readonly closed: { readonly code: number; readonly reason: string } | undefined;
  send(message: WsMessage | string): void;
  until(what: string, done: (client: RawWsClient) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops reading from the TCP socket: the kernel's buffers fill, then the server's. */
  pause(): void;
  resume(): void;
  close(): void;
}

export async function openRawWs(httpUrl: string, protocol = 'graphql-transport-ws'): Promise<RawWsClient> {
  const socket = new WebSocket(wsUrlOf(httpUrl), protocol);
  const messages: WsMessage[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data: Buffer) => {
    try {
      const message = JSON.parse(data.toString()) as WsMessage;
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      messages.push(message);
    } catch {
      messages.push({ type: '<not JSON>', payload: data.toString().slice(0, 200) });
    }
  });
  socket.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code, reason) => reject(new Error(`closed before opening: ${code} ${reason.toString()}`)));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`the server refused the WebSocket upgrade with HTTP ${response.statusCode}`)),
    );
  });
  const client: RawWsClient = {
    messages,
    get closed() {
      return closed;
    },
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async until(what, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(client)) {
        if (Date.now() > deadline) {
          throw new Error(
            `raw ws: timed out after ${timeoutMs} ms waiting for ${what}; ${messages.length} messages ` +
              `(last ${JSON.stringify(messages.slice(-3))}); closed ${JSON.stringify(closed)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, poll));
      }
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.terminate(),
  };
  return client;
}
