/** A token may claim to be issued this far in the future: the issuer's clock may run a little ahead of ours. */
export const CLOCK_SKEW_SECONDS = 60;

/** The longest lifetime a token may claim unless GATEWAY_JWT_MAX_LIFETIME_SECONDS says otherwise: 24 h. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * Why a verified token's times are refused, or undefined when they are fine. The signature,
 * `exp` being present and in the future, issuer and audience are jose's checks; these are the
 * ones it has no option for. A token valid for years is a credential that cannot be taken
 * back: its lifetime, `exp - iat` (from now when there is no `iat`), must stay within
 * `maxLifetimeSeconds`, and an `iat` ahead of our clock by more than the skew is a token
 * minted to outlive that cap.
 */
export function tokenLifetimeProblem(
  claims: { readonly exp?: number | undefined; readonly iat?: number | undefined },
  nowSeconds: number,
  maxLifetimeSeconds: number,
): string | undefined {
  if (typeof claims.exp !== 'number') return 'The token has no expiry (exp); sign in again.';
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return 'The token is issued in the future (iat); sign in again.';
  }
  const lifetime = claims.exp - (claims.iat ?? nowSeconds);
  if (lifetime > maxLifetimeSeconds) {
    return `The token is valid for longer than the ${maxLifetimeSeconds} s this gateway accepts; sign in again.`;
  }
  return undefined;
}
