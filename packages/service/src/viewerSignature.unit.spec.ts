import { describe, expect, it } from 'vitest';

import { SIGNATURE_HEADER, signViewer, VIEWER_HEADER, verifyViewer } from './viewerSignature.ts';

describe('gateway-signed viewer identity', () => {
  const secret = 'test-secret';

  it('accepts what the gateway signed, for a viewer and for an anonymous request', () => {
    expect(verifyViewer(secret, signViewer(secret, 'alice'))).toEqual({ ok: true, viewerId: 'alice' });
    expect(verifyViewer(secret, signViewer(secret, undefined))).toEqual({ ok: true, viewerId: undefined });
  });

  it('rejects a forged viewer, a wrong secret, a missing or stale signature', () => {
    const signed = signViewer(secret, 'alice');
    expect(verifyViewer(secret, { ...signed, [VIEWER_HEADER]: 'mallory' })).toEqual({
      ok: false,
      reason: 'invalid gateway signature',
    });
    expect(verifyViewer('other', signed)).toMatchObject({ ok: false, reason: 'invalid gateway signature' });
    expect(verifyViewer(secret, { [VIEWER_HEADER]: 'alice' })).toMatchObject({ reason: 'missing gateway signature' });
    expect(verifyViewer(secret, { ...signed, [SIGNATURE_HEADER]: 'nonsense' })).toMatchObject({
      reason: 'malformed gateway signature',
    });
    const old = signViewer(secret, 'alice', Date.now() - 120_000);
    expect(verifyViewer(secret, old)).toMatchObject({ reason: 'expired gateway signature' });
  });
});
