import type { IncomingHttpHeaders } from 'node:http';

import { DomainError, validUserId } from '@verograph/domain';
import type { TraceContext } from '@verograph/messaging';
import { continueTrace } from '@verograph/messaging';
import { SIGNATURE_HEADER } from '@verograph/service';

/** Who is asking, as the gateway vouched for it, and what the request carries for mutations. */
export interface ViewerRequest {
  /** The signed-in viewer's id, or undefined for an anonymous request. */
  readonly viewerId: string | undefined;
  /** The `Idempotency-Key` header the gateway forwarded, if any. */
  readonly idempotencyKey: string | undefined;
  /** The request's W3C trace context, continued from the gateway's `traceparent`. */
  readonly trace: TraceContext;
  /**
   * When the gateway sent the request (the time its verified signature carries), epoch ms:
   * a mutation's publish budget and wait count from it, so time the request spent queued
   * before this process read it counts too. Undefined for a request without one (tests).
   */
  readonly sentAt?: number;
}

/** Idempotency keys longer than this are refused rather than hashed: they are not keys but payloads. */
const MAX_IDEMPOTENCY_KEY = 200;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The viewer request of an HTTP request whose gateway signature was already verified. */
export function viewerRequestOf(headers: IncomingHttpHeaders, viewerId: string | undefined): ViewerRequest {
  const key = header(headers, 'idempotency-key')?.trim();
  return {
    viewerId,
    idempotencyKey: key && key.length <= MAX_IDEMPOTENCY_KEY ? key : undefined,
    trace: continueTrace(header(headers, 'traceparent'), header(headers, 'tracestate')),
    ...sentAtOf(headers),
  };
}

/** The signature's time (`t=`), already checked fresh by `verifyViewer`. */
function sentAtOf(headers: IncomingHttpHeaders): { sentAt?: number } {
  const match = /^t=(\d{1,15}),/.exec(header(headers, SIGNATURE_HEADER) ?? '');
  return match ? { sentAt: Number(match[1]) } : {};
}

/** The viewer's id, or UNAUTHENTICATED for an anonymous request that needs a signed-in viewer. */
export function requireViewer(viewerId: string | undefined, what = 'do this'): string {
  if (viewerId === undefined) {
    throw new DomainError('UNAUTHENTICATED', `Sign in to ${what}.`);
  }
  return viewerId;
}

/** The signed-in viewer's id, checked to be a user id; UNAUTHENTICATED for an anonymous request. */
export function signedInViewer(viewer: ViewerRequest, what: string): string {
  return validUserId('viewer', requireViewer(viewer.viewerId, what));
}
