import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The gateway verifies the client's JWT once and tells subgraphs who the viewer is with
 * these headers, signed with a secret only the gateway and the subgraphs hold. A subgraph
 * accepts no request without a valid, fresh signature, so a client that reaches a subgraph
 * directly cannot forge an identity.
 */
export const VIEWER_HEADER = 'x-viewer-id';
export const SIGNATURE_HEADER = 'x-gateway-signature';

/** How long a signature stays valid: bounds replay of a captured request. */
const MAX_AGE_MS = 60_000;

export function signViewer(secret: string, viewerId: string | undefined, now = Date.now()): Record<string, string> {
  const viewer = viewerId ?? '';
  const timestamp = String(now);
  const mac = createHmac('sha256', secret).update(`${timestamp}.${viewer}`).digest('base64url');
  return { [VIEWER_HEADER]: viewer, [SIGNATURE_HEADER]: `t=${timestamp},v1=${mac}` };
}

export type ViewerCheck = { ok: true; viewerId: string | undefined } | { ok: false; reason: string };

export function verifyViewer(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): ViewerCheck {
  const signature = first(headers[SIGNATURE_HEADER]);
  if (!signature) return { ok: false, reason: 'missing gateway signature' };
  const match = /^t=(\d+),v1=([A-Za-z0-9_-]+)$/.exec(signature);
  if (!match) return { ok: false, reason: 'malformed gateway signature' };
  const [, timestamp, mac] = match as unknown as [string, string, string];
  if (Math.abs(now - Number(timestamp)) > MAX_AGE_MS) return { ok: false, reason: 'expired gateway signature' };
  const viewer = first(headers[VIEWER_HEADER]) ?? '';
  const expected = createHmac('sha256', secret).update(`${timestamp}.${viewer}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid gateway signature' };
  }
  return { ok: true, viewerId: viewer === '' ? undefined : viewer };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
