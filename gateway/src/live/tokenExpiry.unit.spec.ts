import { describe, expect, it } from 'vitest';

import { expirySeconds, hasExpired } from './tokenExpiry.ts';

describe('token expiry of a live connection', () => {
  it('keeps a JWT exp as whole seconds and counts the token expired from that second on', () => {
    const exp = 1_800_000_000;
    const seconds = expirySeconds(exp * 1000);
    expect(seconds).toBe(exp);
    expect(hasExpired(seconds, exp * 1000 - 1)).toBe(false);
    expect(hasExpired(seconds, exp * 1000)).toBe(true);
  });

  it('never expires an anonymous connection', () => {
    expect(expirySeconds(undefined)).toBeUndefined();
    expect(hasExpired(undefined, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});
