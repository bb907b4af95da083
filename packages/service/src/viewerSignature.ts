import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/**
 * The gateway verifies the client's JWT once and tells subgraphs who the viewer is with
 * these headers, signed with a secret only the gateway and the subgraphs hold. A subgraph
 * accepts no request without a valid, fresh signature, so a client that reaches a subgraph
 * directly cannot forge an identity.
 *
 * A signature vouches for one request, not for a viewer: it covers the subgraph the request
 * is for, the SHA-256 of the exact body bytes (query, variables, operation name), what the
 * signature is for (a lone request, a viewer batch, or one viewer of a batch at one index)
 * and the viewer. A captured header pair therefore opens nothing but the request it came with,
 * on the subgraph it was sent to, for at most MAX_AGE_MS.
 */
export const VIEWER_HEADER = 'x-viewer-id';
export const SIGNATURE_HEADER = 'x-gateway-signature';

/** How long a signature stays valid: bounds replay of a captured request. */
const MAX_AGE_MS = 60_000;
/** How far ahead of the subgraph's clock a signature may be: clock skew between hosts, no more. */
const MAX_SKEW_MS = 5_000;

/**
 * What a signature is for: `request`, one operation as one viewer; `batch`, a viewer batch's
 * request (signed for no viewer); `{ viewerIndex }`, the viewer at that index of a viewer batch.
 */
export type SignatureScope = 'request' | 'batch' | { readonly viewerIndex: number };

/** The request a signature is bound to. */
export interface SignedRequest {
  /** The subgraph's name in the supergraph; each subgraph knows its own and accepts only that. */
  readonly subgraph: string;
  /**
   * The exact bytes of the request body; for a viewer of a batch, `viewerBatchOperation` of the
   * batch (its query, variables and operation name).
   */
  readonly body: string | Uint8Array;
  readonly scope: SignatureScope;
}

export function signViewer(
  secret: string,
  viewerId: string | undefined,
  request: SignedRequest,
  now = Date.now(),
): Record<string, string> {
  const viewer = viewerId ?? '';
  const timestamp = String(now);
  const mac = macOf(secret, timestamp, viewer, request).toString('base64url');
  return { [VIEWER_HEADER]: viewer, [SIGNATURE_HEADER]: `t=${timestamp},v2=${mac}` };
}

export type ViewerCheck = { ok: true; viewerId: string | undefined } | { ok: false; reason: string };

/**
 * The checks that need no body: present, well formed, fresh. A subgraph runs them before it
 * reads a body, so an unsigned or stale request costs it nothing more.
 */
export function checkSignatureHeaders(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): { ok: true; timestamp: string; mac: string } | { ok: false; reason: string } {
  const signature = first(headers[SIGNATURE_HEADER]);
  if (!signature) return { ok: false, reason: 'missing gateway signature' };
  const match = /^t=(\d{1,15}),v2=([A-Za-z0-9_-]+)$/.exec(signature);
  if (!match) return { ok: false, reason: 'malformed gateway signature' };
  const [, timestamp, mac] = match as unknown as [string, string, string];
  const age = now - Number(timestamp);
  if (age > MAX_AGE_MS) return { ok: false, reason: 'expired gateway signature' };
  if (age < -MAX_SKEW_MS) return { ok: false, reason: 'gateway signature from the future' };
  return { ok: true, timestamp, mac };
}

export function verifyViewer(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  request: SignedRequest,
  now = Date.now(),
): ViewerCheck {
  const checked = checkSignatureHeaders(headers, now);
  if (!checked.ok) return checked;
  const viewer = first(headers[VIEWER_HEADER]) ?? '';
  const expected = macOf(secret, checked.timestamp, viewer, request);
  const given = Buffer.from(checked.mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid gateway signature' };
  }
  return { ok: true, viewerId: viewer === '' ? undefined : viewer };
}

function macOf(secret: string, timestamp: string, viewer: string, request: SignedRequest): Buffer {
  const scope = typeof request.scope === 'string' ? request.scope : `viewer:${request.scope.viewerIndex}`;
  // One-shot: no Hash object per request (the gateway signs every subgraph fetch).
  const bodyHash = hash('sha256', request.body, 'base64url');
  // A JSON array keeps the fields apart whatever characters a viewer id or a name holds.
  const signed = JSON.stringify(['v2', timestamp, request.subgraph, scope, bodyHash, viewer]);
  return createHmac('sha256', secret).update(signed).digest();
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
