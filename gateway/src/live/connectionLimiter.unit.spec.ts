import { describe, expect, it } from 'vitest';

import { addressKey, createConnectionLimiter } from './connectionLimiter.ts';

describe('connection limiter', () => {
  it('given an address at its cap, when it asks for one more, then 429, and a place again once one is released', () => {
    const limiter = createConnectionLimiter({ maxPerAddress: 2, maxTotal: 10 });
    expect(limiter.admit('10.0.0.1')).toEqual({ ok: true, address: '10.0.0.1' });
    expect(limiter.admit('10.0.0.1')).toEqual({ ok: true, address: '10.0.0.1' });
    expect(limiter.admit('10.0.0.1')).toMatchObject({ ok: false, status: 429, code: 'TOO_MANY_CONNECTIONS' });
    expect(limiter.admit('10.0.0.2')).toEqual({ ok: true, address: '10.0.0.2' });
    limiter.release('10.0.0.1');
    expect(limiter.admit('10.0.0.1')).toMatchObject({ ok: true });
    expect(limiter.open).toBe(3);
  });

  it('given the instance at its total cap, then 503 for any address, until a place is released', () => {
    const limiter = createConnectionLimiter({ maxPerAddress: 5, maxTotal: 2 });
    limiter.admit('10.0.0.1');
    limiter.admit('10.0.0.2');
    expect(limiter.admit('10.0.0.3')).toMatchObject({ ok: false, status: 503, code: 'TOO_MANY_CONNECTIONS' });
    limiter.release('10.0.0.2');
    expect(limiter.admit('10.0.0.3')).toMatchObject({ ok: true });
  });

  it('forgets an address once it holds nothing, and ignores a release it never admitted', () => {
    const limiter = createConnectionLimiter({ maxPerAddress: 1, maxTotal: 1 });
    limiter.release('10.9.9.9');
    expect(limiter.open).toBe(0);
    const admitted = limiter.admit('10.0.0.1');
    expect(admitted.ok).toBe(true);
    limiter.release('10.0.0.1');
    limiter.release('10.0.0.1');
    expect(limiter.open).toBe(0);
    expect(limiter.admit('10.0.0.1')).toMatchObject({ ok: true });
  });

  it('counts an IPv4-mapped address as the IPv4 one, and IPv6 addresses per /64', () => {
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::10.0.0.1')).toBe('64:ff9b:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
    const limiter = createConnectionLimiter({ maxPerAddress: 1, maxTotal: 10 });
    expect(limiter.admit('2001:db8:1:2::a')).toMatchObject({ ok: true });
    expect(limiter.admit('2001:db8:1:2::b')).toMatchObject({ ok: false, status: 429 });
    expect(limiter.admit('2001:db8:1:3::a')).toMatchObject({ ok: true });
  });
});
