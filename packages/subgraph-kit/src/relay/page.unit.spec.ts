import type { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { DEFAULT_FIRST, MAX_FIRST, pageSize } from './page.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('pageSize', () => {
  it('defaults to 20 and accepts 0 to 100', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_FIRST);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(MAX_FIRST)).toBe(100);
  });

  it('refuses more than the cap with FIRST_TOO_LARGE', () => {
    expect(codeOf(() => pageSize(101))).toBe('FIRST_TOO_LARGE');
    expect(codeOf(() => pageSize(11, 10))).toBe('FIRST_TOO_LARGE');
  });

  it('refuses a negative or fractional first with BAD_USER_INPUT', () => {
    expect(codeOf(() => pageSize(-1))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => pageSize(1.5))).toBe('BAD_USER_INPUT');
  });
});
