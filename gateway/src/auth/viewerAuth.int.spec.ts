import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from './mintToken.ts';
import { createViewerAuthenticator } from './viewerAuth.ts';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('viewer authentication against an identity provider’s JWKS', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: PrivateKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sign = (key: PrivateKey, claims: { sub: string; iss?: string; aud?: string }, kid = 'key-1') =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(claims.sub)
      .setIssuer(claims.iss ?? 'https://id.test/')
      .setAudience(claims.aud ?? 'verograph')
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token signed by a published key, with the right issuer and audience', async () => {
    const auth = createViewerAuthenticator({
      kind: 'jwks',
      jwksUrl,
      issuer: 'https://id.test/',
      audience: 'verograph',
    });
    expect(await auth.authenticate(`Bearer ${await sign(privateKey, { sub: 'user|123' })}`)).toEqual({
      ok: true,
      viewerId: 'user|123',
      expiresAt: expect.any(Number),
    });
    expect(await auth.authenticate(`Bearer ${await sign(privateKey, { sub: 'u1', aud: 'other-app' })}`)).toMatchObject({
      ok: false,
    });
  });

  it('refuses a key it does not publish and a shared-secret token (no algorithm confusion)', async () => {
    const auth = createViewerAuthenticator({ kind: 'jwks', jwksUrl });
    const stranger = (await generateKeyPair('RS256')).privateKey;
    expect(await auth.authenticate(`Bearer ${await sign(stranger, { sub: 'u1' })}`)).toMatchObject({ ok: false });
    expect(await auth.authenticate(`Bearer ${await mintToken('any-secret', 'u1')}`)).toMatchObject({ ok: false });
  });
});
