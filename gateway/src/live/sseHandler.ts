import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '@verograph/service';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { GatewayLimits, LiveConfig } from '../config.ts';
import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import { header, readGetParams, readPostParams, RequestRefused } from '../http/graphqlParams.ts';
import type { GraphQLParams } from '../persisted/trustedDocuments.ts';
import { RETRY_AFTER_SECONDS, type ConnectionLimiter } from './connectionLimiter.ts';
import type { DropReason } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { LiveErrorCode, type LiveOperationSink, type LiveService } from './liveService.ts';
import { expirySeconds, hasExpired, TOKEN_EXPIRED } from './tokenExpiry.ts';

export const TEXT_EVENT_STREAM = 'text/event-stream';

export interface SseHandler {
  /** Whether a request on /graphql asks for an event stream (GraphQL over SSE). */
  wants(request: IncomingMessage): boolean;
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
  /** Ends every open stream and stops the keep-alive. */
  close(): void;
}

const TOKEN_EXPIRED_EVENT = `event: next\ndata: ${JSON.stringify({
  errors: [
    {
      message: 'Your token has expired: reconnect with a fresh token and Last-Event-ID to resume where you were.',
      extensions: { code: TOKEN_EXPIRED },
    },
  ],
})}\n\n`;

/** One open event stream: the response and its subscription. */
class SseStream implements LiveOperationSink {
  subscription: { stop(): void } | undefined = undefined;
  ended = false;
  constructor(
    readonly response: ServerResponse,
    /** What the connection limiter counts it under. */
    readonly address: string,
    /** When the token expires, in whole seconds (tokenExpiry.ts); undefined when anonymous. */
    readonly expiresAtSeconds: number | undefined,
    private readonly onEnd: (stream: SseStream) => void,
    private readonly onExpired: () => void,
  ) {}
  next(result: FormattedExecutionResult, cursor?: string): void {
    if (this.ended || this.expireIfDue()) return;
    this.response.write(`${cursor ? `id: ${cursor}\n` : ''}event: next\ndata: ${JSON.stringify(result)}\n\n`);
  }
  /**
   * Ends the stream with a TOKEN_EXPIRED event once the token has expired: checked before each
   * event, so a delivery still running at the expiry is never sent, whenever the sweep runs.
   */
  expireIfDue(now = Date.now()): boolean {
    if (this.ended || !hasExpired(this.expiresAtSeconds, now)) return false;
    this.response.write(TOKEN_EXPIRED_EVENT);
    this.complete();
    this.onExpired();
    return true;
  }
  complete(): void {
    if (this.ended) return;
    this.response.write('event: complete\ndata: \n\n');
    this.end();
  }
  unsentBytes(): number {
    return this.response.writableLength;
  }
  drop(reason: DropReason): void {
    this.next({
      errors: [
        { message: 'The client fell too far behind; reconnect with Last-Event-ID.', extensions: { code: reason } },
      ],
    });
    this.complete();
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.subscription?.stop();
    this.response.end();
    this.onEnd(this);
  }
}

/**
 * GraphQL over Server-Sent Events, distinct connections mode (graphql-sse's PROTOCOL.md): one
 * request, one operation, one stream. Errors found before the stream starts come as a `next`
 * event then `complete`, as the protocol asks; each event's id is its cursor, so an
 * EventSource resumes with Last-Event-ID by itself.
 */
export function createSseHandler(options: {
  readonly live: LiveService;
  readonly authenticator: ViewerAuthenticator;
  readonly config: LiveConfig;
  readonly limits: Pick<GatewayLimits, 'maxBodyBytes'>;
  /** Shared with graphql-ws: live connections per client address and in total. */
  readonly limiter: ConnectionLimiter;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
}): SseHandler {
  const { live, authenticator, config, limits, limiter, metrics, logger } = options;
  const open = new Set<SseStream>();
  const countExpired = () => metrics.endedConnections.inc({ transport: 'sse', reason: TOKEN_EXPIRED });
  // One timer for every stream: it ends streams whose token has expired, and sends the keep-alive
  // comment, since proxies close a connection that stays silent too long.
  let lastKeepAlive = performance.now();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const stream of open) stream.expireIfDue(now);
      if (performance.now() - lastKeepAlive < config.keepAliveMs) return;
      lastKeepAlive = performance.now();
      for (const stream of open) if (!stream.ended) stream.response.write(':\n\n');
    },
    Math.min(1000, config.keepAliveMs),
  );
  sweep.unref();

  const refuse = (
    response: ServerResponse,
    status: number,
    errors: GraphQLFormattedError[],
    headers: Record<string, string> = {},
  ) => {
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.statusCode = status;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify({ errors }));
  };

  return {
    wants(request) {
      const accept = request.headers.accept;
      return (
        (request.method === 'GET' || request.method === 'POST') &&
        typeof accept === 'string' &&
        accept.toLowerCase().includes(TEXT_EVENT_STREAM)
      );
    },
    async handle(request, response, url) {
      let params: GraphQLParams;
      try {
        params = request.method === 'POST' ? await readPostParams(request, limits.maxBodyBytes) : readGetParams(url);
      } catch (error) {
        if (!(error instanceof RequestRefused)) throw error;
        return refuse(response, error.status, [{ message: error.message, extensions: { code: error.code } }]);
      }
      const authentication = await authenticator.authenticate(header(request, 'authorization'), { remember: false });
      if (!authentication.ok) {
        return refuse(
          response,
          401,
          [{ message: authentication.message, extensions: { code: GatewayErrorCode.UNAUTHENTICATED } }],
          {
            'www-authenticate': 'Bearer error="invalid_token"',
          },
        );
      }

      const admission = limiter.admit(request.socket.remoteAddress);
      if (!admission.ok) {
        metrics.refusals.inc({ code: admission.code });
        return refuse(
          response,
          admission.status,
          [{ message: admission.message, extensions: { code: admission.code } }],
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      }
      response.writeHead(200, {
        'content-type': `${TEXT_EVENT_STREAM}; charset=utf-8`,
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // Reverse proxies must pass events on as they come.
        'x-accel-buffering': 'no',
      });
      response.flushHeaders();
      const stream = new SseStream(
        response,
        admission.address,
        expirySeconds(authentication.expiresAt),
        (ended) => {
          open.delete(ended);
          limiter.release(ended.address);
          metrics.connections.dec({ transport: 'sse' });
        },
        countExpired,
      );
      open.add(stream);
      metrics.connections.inc({ transport: 'sse' });
      request.socket.setNoDelay(true);
      response.once('close', () => stream.end());

      const outcome = await live.start({
        params,
        viewerId: authentication.viewerId,
        traceparent: header(request, 'traceparent'),
        lastEventId: header(request, 'last-event-id'),
        sink: stream,
      });
      switch (outcome.kind) {
        case 'refused':
          stream.next({ errors: [...outcome.errors] });
          stream.complete();
          return;
        case 'single':
          stream.next(outcome.result);
          stream.complete();
          return;
        case 'subscribed':
          if (stream.ended) outcome.subscription.stop();
          else stream.subscription = outcome.subscription;
          return;
      }
    },
    close() {
      clearInterval(sweep);
      for (const stream of open) {
        stream.next({
          errors: [
            {
              message: 'The gateway is shutting down; reconnect.',
              extensions: { code: LiveErrorCode.LIVE_UPDATES_UNAVAILABLE },
            },
          ],
        });
        stream.end();
      }
      logger.debug('live SSE streams closed');
    },
  };
}
