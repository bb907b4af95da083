import { ConfigError } from '@verograph/service';

import { durationSeconds, mintToken } from './auth/mintToken.ts';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from './auth/tokenLifetime.ts';
import { readGatewayConfig } from './config.ts';

/**
 * `npm run -s token -- USER_ID [DURATION]` prints a bearer token for local use, signed with the
 * gateway's JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE when set), valid 12h unless told otherwise,
 * and never longer than the gateway accepts (GATEWAY_JWT_MAX_LIFETIME_SECONDS, 24h by default):
 *   curl -H "Authorization: Bearer $(npm run -s token -- alice)" …
 */
const [userId, duration] = process.argv.slice(2);
try {
  if (!userId) throw new ConfigError('usage: npm run -s token -- USER_ID [DURATION, e.g. 12h]');
  const { jwt } = readGatewayConfig();
  if (jwt.kind !== 'secret') {
    throw new ConfigError('JWT_JWKS_URL is set: tokens come from the identity provider, not from this command');
  }
  const maxLifetime = jwt.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (duration && durationSeconds(duration) > maxLifetime) {
    throw new ConfigError(
      `${duration} is longer than the gateway accepts (${maxLifetime} s, GATEWAY_JWT_MAX_LIFETIME_SECONDS); ask for a shorter one`,
    );
  }
  console.log(
    await mintToken(jwt.secret, userId, {
      ...(duration ? { expiresIn: duration } : {}),
      ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
      ...(jwt.audience ? { audience: jwt.audience } : {}),
    }),
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
