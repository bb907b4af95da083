import { afterEach, describe, expect, it, vi } from 'vitest';

import { mintToken } from './mintToken.ts';
import { createViewerAuthenticator } from './viewerAuth.ts';

const secret = 'unit-test-secret';
const now = () => Math.floor(Date.now() / 1000);

describe('viewer authentication', () => {
  const auth = createViewerAuthenticator({ kind: 'secret', secret });
  afterEach(() => vi.useRealTimers());

  it('takes the viewer from a valid token, and treats no token as anonymous', async () => {
    const issued = now();
    expect(await auth.authenticate(`Bearer ${await mintToken(secret, 'alice', { now: issued })}`)).toEqual({
      ok: true,
      viewerId: 'alice',
      // The token's exp, for a live connection to end with it.
      expiresAt: (issued + 12 * 3600) * 1000,
    });
    expect(await auth.authenticate(`bearer   ${await mintToken(secret, 'bob')}`)).toEqual({
      ok: true,
      viewerId: 'bob',
      expiresAt: expect.any(Number),
    });
    expect(await auth.authenticate(undefined)).toEqual({ ok: true, viewerId: undefined });
    expect(await auth.authenticate('')).toEqual({ ok: true, viewerId: undefined });
  });

  it('refuses expired, forged, malformed and non-bearer credentials with a reason', async () => {
    const expired = await mintToken(secret, 'alice', { now: now() - 7200, expiresIn: '1h' });
    expect(await auth.authenticate(`Bearer ${expired}`)).toEqual({
      ok: false,
      message: expect.stringMatching(/expired/),
    });
    expect(await auth.authenticate(`Bearer ${await mintToken('other', 'alice')}`)).toMatchObject({ ok: false });
    expect(await auth.authenticate('Bearer abc.def.ghi')).toMatchObject({ ok: false });
    expect(await auth.authenticate('Basic YWxpY2U6cHc=')).toEqual({
      ok: false,
      message: expect.stringMatching(/Bearer <token>/),
    });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createViewerAuthenticator({ kind: 'secret', secret, issuer: 'verograph', audience: 'web' });
    const good = await mintToken(secret, 'alice', { issuer: 'verograph', audience: 'web' });
    const wrongAudience = await mintToken(secret, 'alice', { issuer: 'verograph', audience: 'admin' });
    expect(await strict.authenticate(`Bearer ${good}`)).toEqual({
      ok: true,
      viewerId: 'alice',
      expiresAt: expect.any(Number),
    });
    expect(await strict.authenticate(`Bearer ${wrongAudience}`)).toEqual({
      ok: false,
      message: expect.stringMatching(/"aud" claim/),
    });
    expect(await strict.authenticate(`Bearer ${await mintToken(secret, 'alice')}`)).toMatchObject({ ok: false });
  });

  it('refuses a token whose subject is not a user id', async () => {
    const { SignJWT } = await import('jose');
    const key = new TextEncoder().encode(secret);
    const badSubject = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('not a user id!')
      .setExpirationTime('1h')
      .sign(key);
    const noSubject = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
    expect(await auth.authenticate(`Bearer ${badSubject}`)).toEqual({
      ok: false,
      message: expect.stringMatching(/user id/),
    });
    expect(await auth.authenticate(`Bearer ${noSubject}`)).toEqual({
      ok: false,
      message: expect.stringMatching(/subject/),
    });
  });

  it('given a token it verified before, when it has expired since, then it is refused like any expired token', async () => {
    const fresh = createViewerAuthenticator({ kind: 'secret', secret });
    const token = await mintToken(secret, 'alice', { expiresIn: '1m' });
    expect(await fresh.authenticate(`Bearer ${token}`)).toEqual({
      ok: true,
      viewerId: 'alice',
      expiresAt: expect.any(Number),
    });
    expect(await fresh.authenticate(`Bearer ${token}`)).toEqual({
      ok: true,
      viewerId: 'alice',
      expiresAt: expect.any(Number),
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    expect(await fresh.authenticate(`Bearer ${token}`)).toEqual({
      ok: false,
      message: expect.stringMatching(/expired/),
    });
  });

  it('remembers a verified token for later requests, not one checked for a long-lived connection, and forgets it once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval'] });
    const fresh = createViewerAuthenticator({ kind: 'secret', secret });
    const token = await mintToken(secret, 'alice', { expiresIn: '1h' });
    expect(await fresh.authenticate(`Bearer ${token}`, { remember: false })).toEqual({
      ok: true,
      viewerId: 'alice',
      expiresAt: expect.any(Number),
    });
    expect(fresh.remembered).toBe(0);
    expect(await fresh.authenticate(`Bearer ${token}`)).toEqual({
      ok: true,
      viewerId: 'alice',
      expiresAt: expect.any(Number),
    });
    expect(fresh.remembered).toBe(1);
    // With no further request at all, the entry goes once its minute is up.
    vi.advanceTimersByTime(76_000);
    expect(fresh.remembered).toBe(0);
  });

  it('never accepts an unsigned (alg: none) token', async () => {
    const { UnsecuredJWT } = await import('jose');
    const unsigned = new UnsecuredJWT({}).setSubject('alice').setExpirationTime('1h').encode();
    expect(await auth.authenticate(`Bearer ${unsigned}`)).toMatchObject({ ok: false });
  });

  it('mints tokens only for valid user ids, with a readable duration', async () => {
    await expect(mintToken(secret, 'spaces are not ids')).rejects.toThrow(/not a valid user id/);
    await expect(mintToken(secret, 'alice', { expiresIn: 'soon' })).rejects.toThrow(/duration/);
  });

  it('mints tokens that pass its own checks: a subject, an expiry and a lifetime within the cap', async () => {
    const { decodeJwt } = await import('jose');
    const claims = decodeJwt(await mintToken(secret, 'alice'));
    expect(claims).toMatchObject({ sub: 'alice', exp: expect.any(Number), iat: expect.any(Number) });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    expect(await auth.authenticate(`Bearer ${await mintToken(secret, 'alice', { expiresIn: '1d' })}`)).toMatchObject({
      ok: true,
    });
  });

  describe('token lifetime', () => {
    const key = new TextEncoder().encode(secret);
    const token = async (claims: { iat?: number; exp?: number }) => {
      const { SignJWT } = await import('jose');
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice');
      if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
      return `Bearer ${await jwt.sign(key)}`;
    };
    const YEAR = 365 * 86_400;

    it('refuses a token that never expires', async () => {
      expect(await auth.authenticate(await token({ iat: now() }))).toEqual({
        ok: false,
        message: expect.stringMatching(/no expiry \(exp\)/),
      });
    });

    it('refuses a token valid for longer than the cap (24 h unless configured), with or without iat', async () => {
      expect(await auth.authenticate(await token({ iat: now(), exp: now() + 5 * YEAR }))).toEqual({
        ok: false,
        message: expect.stringMatching(/longer than the 86400 s/),
      });
      expect(await auth.authenticate(await token({ exp: now() + 5 * YEAR }))).toMatchObject({ ok: false });
      expect(await auth.authenticate(await token({ iat: now(), exp: now() + 24 * 3600 }))).toMatchObject({ ok: true });
      expect(await auth.authenticate(await token({ iat: now(), exp: now() + 24 * 3600 + 60 }))).toMatchObject({
        ok: false,
      });
      // Issued long ago, still unexpired: what counts is the lifetime it was given.
      expect(await auth.authenticate(await token({ iat: now() - 30 * 86_400, exp: now() + 3600 }))).toMatchObject({
        ok: false,
      });

      const hourly = createViewerAuthenticator({ kind: 'secret', secret, maxLifetimeSeconds: 3600 });
      expect(await hourly.authenticate(await token({ iat: now(), exp: now() + 3600 }))).toMatchObject({ ok: true });
      expect(await hourly.authenticate(await token({ iat: now(), exp: now() + 7200 }))).toMatchObject({ ok: false });
    });

    it('refuses a token issued in the future beyond a minute of clock skew', async () => {
      expect(await auth.authenticate(await token({ iat: now() + YEAR, exp: now() + YEAR + 3600 }))).toEqual({
        ok: false,
        message: expect.stringMatching(/issued in the future/),
      });
      expect(await auth.authenticate(await token({ iat: now() + 30, exp: now() + 3600 }))).toMatchObject({ ok: true });
    });
  });
});
