import { DomainError, validUserId } from '@verograph/domain';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';

import type { JwtVerification } from '../config.ts';

/** Who is asking: a verified user id, or nobody (anonymous), or a token we refuse. */
export type Authentication =
  { readonly ok: true; readonly viewerId: string | undefined } | { readonly ok: false; readonly message: string };

export interface ViewerAuthenticator {
  /** Takes the raw `Authorization` header; no header means an anonymous viewer. */
  authenticate(authorization: string | undefined): Promise<Authentication>;
}

/** Asymmetric algorithms an identity provider's JWKS may use; `none` and HS* are never accepted from it. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies the client's bearer JWT once per request, at the gateway: HS256 with a shared
 * secret for local use, or the identity provider's JWKS. The token's `sub` is the viewer's
 * user id. Subgraphs never see the token, only the gateway-signed viewer id.
 */
export function createViewerAuthenticator(jwt: JwtVerification): ViewerAuthenticator {
  const options = {
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

  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization.trim() === '') return { ok: true, viewerId: undefined };
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match?.[1]) return { ok: false, message: 'The Authorization header must be "Bearer <token>".' };
      try {
        const { payload } = await verify(match[1]);
        if (typeof payload.sub !== 'string') return { ok: false, message: 'The token has no subject (sub).' };
        return { ok: true, viewerId: validUserId('sub', payload.sub) };
      } catch (error) {
        return { ok: false, message: reasonFor(error) };
      }
    },
  };
}

function reasonFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired; sign in again.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is not accepted here; sign in again.`;
  }
  if (error instanceof DomainError) return "The token's subject is not a valid user id.";
  if (error instanceof joseErrors.JOSEError) return 'The token is not valid; sign in again.';
  // Not the token's fault (e.g. the JWKS endpoint is unreachable): the caller reports it as a server error.
  throw error;
}
