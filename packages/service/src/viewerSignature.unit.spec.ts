import { describe, expect, it } from 'vitest';

import { SIGNATURE_HEADER, signViewer, VIEWER_HEADER, verifyViewer, type SignedRequest } from './viewerSignature.ts';

describe('gateway-signed viewer identity', () => {
  const secret = 'test-secret';
  const request: SignedRequest = { subgraph: 'posts', body: '{"query":"{ viewer }"}', scope: 'request' };

  it('accepts what the gateway signed, for a viewer and for an anonymous request', () => {
    expect(verifyViewer(secret, signViewer(secret, 'alice', request), request)).toEqual({
      ok: true,
      viewerId: 'alice',
    });
    expect(verifyViewer(secret, signViewer(secret, undefined, request), request)).toEqual({
      ok: true,
      viewerId: undefined,
    });
    const bytes = { ...request, body: new TextEncoder().encode(request.body as string) };
    expect(verifyViewer(secret, signViewer(secret, 'alice', request), bytes)).toMatchObject({ ok: true });
  });

  it('rejects a forged viewer, a wrong secret, a missing or stale signature', () => {
    const signed = signViewer(secret, 'alice', request);
    expect(verifyViewer(secret, { ...signed, [VIEWER_HEADER]: 'mallory' }, request)).toEqual({
      ok: false,
      reason: 'invalid gateway signature',
    });
    expect(verifyViewer('other', signed, request)).toMatchObject({ ok: false, reason: 'invalid gateway signature' });
    expect(verifyViewer(secret, { [VIEWER_HEADER]: 'alice' }, request)).toMatchObject({
      reason: 'missing gateway signature',
    });
    expect(verifyViewer(secret, { ...signed, [SIGNATURE_HEADER]: 'nonsense' }, request)).toMatchObject({
      reason: 'malformed gateway signature',
    });
    const old = signViewer(secret, 'alice', request, Date.now() - 120_000);
    expect(verifyViewer(secret, old, request)).toMatchObject({ reason: 'expired gateway signature' });
  });

  it('allows a few seconds of clock skew ahead, and no more', () => {
    const now = Date.now();
    expect(verifyViewer(secret, signViewer(secret, 'alice', request, now + 3_000), request, now)).toMatchObject({
      ok: true,
    });
    expect(verifyViewer(secret, signViewer(secret, 'alice', request, now + 30_000), request, now)).toMatchObject({
      reason: 'gateway signature from the future',
    });
  });

  it('holds only for the subgraph, the body and the scope it was made for', () => {
    const signed = signViewer(secret, 'alice', request);
    const others: SignedRequest[] = [
      { ...request, subgraph: 'users' },
      { ...request, body: '{"query":"{ viewer }" }' },
      { ...request, scope: 'batch' },
      { ...request, scope: { viewerIndex: 0 } },
    ];
    for (const other of others) {
      expect(verifyViewer(secret, signed, other)).toMatchObject({ reason: 'invalid gateway signature' });
    }
    const atOne = { ...request, scope: { viewerIndex: 1 } };
    expect(
      verifyViewer(secret, signViewer(secret, 'alice', atOne), { ...request, scope: { viewerIndex: 2 } }),
    ).toMatchObject({ ok: false });
  });
});
