import { validUserId } from '@verograph/domain';
import { SignJWT } from 'jose';

import { LOCAL_JWT_SECRET } from '../config.ts';

export interface MintTokenOptions {
  /** A jose duration such as '12h' or '15m'. */
  readonly expiresIn?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch; tests pass a clock. */
  readonly now?: number;
}

/** Signs an HS256 bearer token for a user, as the local identity provider would. */
export async function mintToken(secret: string, userId: string, options: MintTokenOptions = {}): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(validUserId('userId', userId))
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ? durationSeconds(options.expiresIn) : 12 * 3600));
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * A token that a gateway started with `env` accepts: signed with its JWT_SECRET (the local one
 * when unset), for its JWT_ISSUER and JWT_AUDIENCE when set. What benchmarks and tests mint with
 * for the gateway they run, so a production-like environment (issuer and audience required)
 * needs no change on their side.
 */
export function mintTokenForEnv(
  userId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  return mintToken(env.JWT_SECRET || LOCAL_JWT_SECRET, userId, {
    ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
  });
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in a duration such as '30m', '12h' or '1d'. */
export function durationSeconds(duration: string): number {
  const match = /^(-?\d+)([smhd])$/.exec(duration.trim());
  if (!match) throw new Error(`"${duration}" is not a duration like 30m, 12h or 1d`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
