/** The code, and the graphql-ws close reason, of a live connection ended because its token expired. */
export const TOKEN_EXPIRED = 'TOKEN_EXPIRED';
export const TOKEN_EXPIRED_REASON = 'Forbidden: token expired; reconnect with a fresh token and your last cursor';

/**
 * A token's expiry as a live connection keeps it: whole seconds since the epoch (a JWT's `exp`
 * is whole seconds), which stays a small integer in the connection object rather than a boxed
 * double. Undefined: the connection has no token (anonymous), so nothing expires.
 */
export function expirySeconds(expiresAt: number | undefined): number | undefined {
  return expiresAt === undefined ? undefined : Math.ceil(expiresAt / 1000);
}

/** Whether a token with this expiry has expired at `now` (milliseconds; a JWT is expired from its `exp` on). */
export function hasExpired(seconds: number | undefined, now: number): boolean {
  return seconds !== undefined && now >= seconds * 1000;
}
