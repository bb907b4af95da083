import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '@verograph/service';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';

import type { ViewerAuthenticator } from '../auth/viewerAuth.ts';
import type { GatewayLimits, LiveConfig } from '../config.ts';
import { GatewayErrorCode } from '../errors/gatewayErrors.ts';
import { header, readGetParams, readPostParams, RequestRefused } from '../http/graphqlParams.ts';
import type { GraphQLParams } from '../persisted/trustedDocuments.ts';
import type { DropReason } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { LiveErrorCode, type LiveOperationSink, type LiveService } from './liveService.ts';

export const TEXT_EVENT_STREAM = 'text/event-stream';

export interface SseHandler {
  /** Whether a request on /graphql asks for an event stream (GraphQL over SSE). */
  wants(request: IncomingMessage): boolean;
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
  /** Ends every open stream and stops the keep-alive. */
  close(): void;
}

/** One open event stream: the response and its subscription. */
class SseStream implements LiveOperationSink {
  subscription: { stop(): void } | undefined = undefined;
  ended = false;
  constructor(
    readonly response: ServerResponse,
    private readonly onEnd: (stream: SseStream) => void,
  ) {}
  next(result: FormattedExecutionResult, cursor?: string): void {
    if (this.ended) return;
    this.response.write(`${cursor ? `id: ${cursor}\n` : ''}event: next\ndata: ${JSON.stringify(result)}\n\n`);
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
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
}): SseHandler {
  const { live, authenticator, config, limits, metrics, logger } = options;
  const open = new Set<SseStream>();
  // One timer for every stream: proxies close a connection that stays silent too long.
  const keepAlive = setInterval(() => {
    for (const stream of open) if (!stream.ended) stream.response.write(':\n\n');
  }, config.keepAliveMs);
  keepAlive.unref();

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

      response.writeHead(200, {
        'content-type': `${TEXT_EVENT_STREAM}; charset=utf-8`,
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // Reverse proxies must pass events on as they come.
        'x-accel-buffering': 'no',
      });
      response.flushHeaders();
      const stream = new SseStream(response, (ended) => {
        open.delete(ended);
        metrics.connections.dec({ transport: 'sse' });
      });
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
      clearInterval(keepAlive);
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
