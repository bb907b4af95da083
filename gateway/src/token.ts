import { ConfigError } from '@verograph/service';

import { mintToken } from './auth/mintToken.ts';
import { readGatewayConfig } from './config.ts';

/**
 * `npm run -s token -- USER_ID [DURATION]` prints a bearer token for local use, signed with the
 * gateway's JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE when set), valid 12h unless told otherwise:
 *   curl -H "Authorization: Bearer $(npm run -s token -- alice)" …
 */
const [userId, duration] = process.argv.slice(2);
try {
  if (!userId) throw new ConfigError('usage: npm run -s token -- USER_ID [DURATION, e.g. 12h]');
  const { jwt } = readGatewayConfig();
  if (jwt.kind !== 'secret') {
    throw new ConfigError('JWT_JWKS_URL is set: tokens come from the identity provider, not from this command');
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
