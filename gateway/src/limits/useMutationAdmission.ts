import type { ApolloServerPlugin } from '@apollo/server';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';

export interface MutationAdmissionOptions {
  /** GATEWAY_MAX_MUTATIONS_IN_FLIGHT: mutations executing at once; the next is refused. */
  readonly maxInFlight: number;
  /** GATEWAY_OVERLOADED_RETRY_AFTER_MS: the retry hint of a refusal. */
  readonly retryAfterMs: number;
  /**
   * GATEWAY_MAX_EVENT_LOOP_DELAY_MS: past this mean event-loop delay (`watchEventLoopDelay`),
   * new mutations are refused too: the process has more work than CPU.
   */
  readonly maxEventLoopDelayMs?: number;
  readonly eventLoopDelayMs?: () => number;
  readonly metrics?: GatewayMetrics;
}

/** A counting gate for one process: `enter` answers false when `limit` are already inside. */
export interface InFlightCount {
  enter(): boolean;
  leave(): void;
  readonly inside: number;
}

export function inFlightCount(limit: number): InFlightCount {
  let inside = 0;
  return {
    get inside() {
      return inside;
    },
    enter() {
      if (inside >= limit) return false;
      inside++;
      return true;
    },
    leave() {
      inside = Math.max(0, inside - 1);
    },
  };
}

/** What the HTTP layer needs to refuse a mutation before Apollo Server sees it. */
export interface EarlyAdmission {
  /** The refusal to answer now (the event loop is starved), or undefined. */
  refusal(): { message: string; headers: Record<string, string>; extensions: Record<string, unknown> } | undefined;
  /** Counts a refusal the HTTP layer made. */
  refused(): void;
}

/**
 * Whether a GraphQL text's first operation is a mutation, after comments and whitespace: what
 * the HTTP layer can tell without parsing. A text it misses (a fragment first, several
 * operations) is still refused by the plugin once parsed.
 */
export function looksLikeMutation(query: unknown): boolean {
  if (typeof query !== 'string') return false;
  return /^(?:\s|,|#[^\n\r]*)*mutation\b/.test(query);
}

const OVERLOADED_MESSAGE =
  'The gateway is taking more mutations than it can handle right now; nothing was sent. Try again shortly.';

/** The early refusal of `useMutationAdmission`'s options: only while the event loop is starved. */
export function earlyAdmission(options: MutationAdmissionOptions): EarlyAdmission {
  return {
    refusal() {
      const starved =
        options.maxEventLoopDelayMs !== undefined && (options.eventLoopDelayMs?.() ?? 0) > options.maxEventLoopDelayMs;
      if (!starved) return undefined;
      return {
        message: OVERLOADED_MESSAGE,
        headers: { 'retry-after': retryAfterSeconds(options.retryAfterMs) },
        extensions: { retryable: true, retryAfterMs: options.retryAfterMs },
      };
    },
    refused: () => options.metrics?.mutationsRefused.inc(),
  };
}

/** The `Retry-After` header's value (whole seconds, at least 1) for a hint in milliseconds. */
export function retryAfterSeconds(retryAfterMs: number): string {
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/**
 * Admission control for mutations: at most `maxInFlight` execute at once in this gateway, and
 * none is taken while its event loop runs later than `maxEventLoopDelayMs`. The next is refused
 * once its document is resolved, before any query plan runs or any subgraph is
 * asked, with 429, `Retry-After` and a coded, retryable OVERLOADED error: nothing was sent, so
 * a resend is safe. Each mutation in flight holds its request, its plan's state and a socket to
 * a subgraph until its wait for the writers ends, so this bounds the gateway's memory under a
 * spike; queries are not counted (they hold nothing across a wait). A subgraph's own OVERLOADED
 * answer gets the same header.
 */
export function useMutationAdmission(options: MutationAdmissionOptions): ApolloServerPlugin<GatewayContext> {
  const count = inFlightCount(options.maxInFlight);
  options.metrics?.mutationsInFlight.set(0);
  return {
    async requestDidStart() {
      let admitted = false;
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'mutation') return;
          const starved =
            options.maxEventLoopDelayMs !== undefined &&
            (options.eventLoopDelayMs?.() ?? 0) > options.maxEventLoopDelayMs;
          if (starved || !count.enter()) {
            options.metrics?.mutationsRefused.inc();
            throw requestError(GatewayErrorCode.OVERLOADED, OVERLOADED_MESSAGE, 429, {
              retryable: true,
              retryAfterMs: options.retryAfterMs,
            });
          }
          admitted = true;
          options.metrics?.mutationsInFlight.set(count.inside);
        },
        async willSendResponse({ response, errors }) {
          if (admitted) {
            admitted = false;
            count.leave();
            options.metrics?.mutationsInFlight.set(count.inside);
          }
          const overloaded = [...(errors ?? []), ...singleResultErrors(response.body)].find(
            (e) => e.extensions?.code === GatewayErrorCode.OVERLOADED,
          );
          if (!overloaded) return;
          const hint = overloaded.extensions?.retryAfterMs;
          response.http.headers.set(
            'retry-after',
            retryAfterSeconds(typeof hint === 'number' ? hint : options.retryAfterMs),
          );
        },
      };
    },
  };
}

function singleResultErrors(body: {
  kind: string;
  singleResult?: { errors?: readonly { extensions?: Record<string, unknown> }[] };
}) {
  return body.kind === 'single' ? (body.singleResult?.errors ?? []) : [];
}
