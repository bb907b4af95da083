import { validUserId } from '@verograph/domain';
import { SignJWT } from 'jose';

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
    .setExpirationTime(options.expiresIn ? expiry(now, options.expiresIn) : now + 12 * 3600);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function expiry(now: number, duration: string): number {
  const match = /^(-?\d+)([smhd])$/.exec(duration.trim());
  if (!match) throw new Error(`"${duration}" is not a duration like 30m, 12h or 7d`);
  return now + Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
