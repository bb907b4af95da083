import { DomainError, validUserId } from '@verograph/domain';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';

import type { JwtVerification } from '../config.ts';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, tokenLifetimeProblem } from './tokenLifetime.ts';

/**
 * Who is asking: a verified user id, or nobody (anonymous), or a token we refuse. `expiresAt`
 * (milliseconds since the epoch, from the token's `exp`) lets a long-lived connection end when
 * its token does.
 */
export type Authentication =
  | { readonly ok: true; readonly viewerId: string | undefined; readonly expiresAt?: number }
  | { readonly ok: false; readonly message: string };

export interface ViewerAuthenticator {
  /**
   * Takes the raw `Authorization` header; no header means an anonymous viewer. `remember: false`
   * for a token checked once for a long-lived connection (a WebSocket, an event stream): keeping
   * it for later requests would only cost memory per connection.
   */
  authenticate(authorization: string | undefined, options?: { readonly remember?: boolean }): Promise<Authentication>;
}

/** How long a verified token is taken on trust before its signature is checked again. */
const VERIFIED_TTL_MS = 60_000;
/** Verified tokens remembered at once; the oldest is forgotten first. */
const MAX_VERIFIED_TOKENS = 10_000;

/** Asymmetric algorithms an identity provider's JWKS may use; `none` and HS* are never accepted from it. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies the client's bearer JWT once per request, at the gateway: HS256 with a shared
 * secret for local use, or the identity provider's JWKS. The token's `sub` is the viewer's
 * user id. A token must name its subject and expire (`sub`, `exp`), within the configured
 * lifetime (see tokenLifetime.ts). Subgraphs never see the token, only the gateway-signed
 * viewer id.
 */
export function createViewerAuthenticator(
  jwt: JwtVerification,
): ViewerAuthenticator & { /** Verified tokens held right now. */ readonly remembered: number } {
  const maxLifetimeSeconds = jwt.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const options = {
    requiredClaims: ['exp', 'sub'],
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  const verify =
    jwt.kind === 'secret'
      ? (() => {
          const key = new TextEncoder().encode(jwt.secret);
          return (token: string) => jwtVerify(token, key, { ...options, algorithms: ['HS256'] });
        })()
      : (() => {
          // jose caches the key set and refetches it when a token names an unknown key id.
          const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwt.jwksUrl));
          return (token: string) => jwtVerify(token, keys, { ...options, algorithms: JWKS_ALGORITHMS });
        })();

  /*
   * A client sends the same token with every request until it expires: verifying its
   * signature again each time was a noticeable share of the gateway's CPU. A token that
   * verified is remembered until its expiry, and never longer than VERIFIED_TTL_MS; a
   * token that failed is not remembered (it is checked, and refused, every time).
   */
  const verified = new Map<
    string,
    { readonly viewerId: string; readonly until: number; readonly expiresAt: number | undefined }
  >();
  // Entries go in roughly in expiry order: the oldest are dropped once expired, so memory follows
  // the tokens in use, not the 10,000 of a past burst.
  const dropExpired = (now: number): void => {
    for (const [token, entry] of verified) {
      if (entry.until > now) return;
      verified.delete(token);
    }
  };
  setInterval(() => dropExpired(Date.now()), VERIFIED_TTL_MS / 4).unref();
  return {
    async authenticate(authorization, authOptions) {
      if (authorization === undefined || authorization.trim() === '') return { ok: true, viewerId: undefined };
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match?.[1]) return { ok: false, message: 'The Authorization header must be "Bearer <token>".' };
      const token = match[1];
      const known = verified.get(token);
      if (known !== undefined) {
        if (known.until > Date.now()) return withExpiry(known.viewerId, known.expiresAt);
        verified.delete(token);
      }
      try {
        const { payload } = await verify(token);
        if (typeof payload.sub !== 'string') return { ok: false, message: 'The token has no subject (sub).' };
        const lifetimeProblem = tokenLifetimeProblem(payload, Math.floor(Date.now() / 1000), maxLifetimeSeconds);
        if (lifetimeProblem !== undefined) return { ok: false, message: lifetimeProblem };
        const viewerId = validUserId('sub', payload.sub);
        // jose refused a token without `exp` above, so it is always there.
        const expiresAt = (payload.exp ?? 0) * 1000;
        const until = Math.min(Date.now() + VERIFIED_TTL_MS, expiresAt);
        if (authOptions?.remember !== false) {
          if (verified.size >= MAX_VERIFIED_TOKENS) verified.delete(verified.keys().next().value as string);
          verified.set(token, { viewerId, until, expiresAt });
        }
        return withExpiry(viewerId, expiresAt);
      } catch (error) {
        return { ok: false, message: reasonFor(error) };
      }
    },
    get remembered() {
      return verified.size;
    },
  };
}

function withExpiry(viewerId: string, expiresAt: number | undefined): Authentication {
  return expiresAt === undefined ? { ok: true, viewerId } : { ok: true, viewerId, expiresAt };
}

function reasonFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired; sign in again.';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') {
    if (error.claim === 'sub') return 'The token has no subject (sub); sign in again.';
    if (error.claim === 'exp') return 'The token has no expiry (exp); tokens must expire. Sign in again.';
    return `The token has no "${error.claim}" claim, which this gateway requires; sign in again.`;
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is not accepted here; sign in again.`;
  }
  if (error instanceof DomainError) return "The token's subject is not a valid user id.";
  if (error instanceof joseErrors.JOSEError) return 'The token is not valid; sign in again.';
  // Not the token's fault (e.g. the JWKS endpoint is unreachable): the caller reports it as a server error.
  throw error;
}
