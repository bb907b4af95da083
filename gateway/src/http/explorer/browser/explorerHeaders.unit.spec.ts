import { describe, expect, it } from 'vitest';

import { headersFromFragment } from './explorerHeaders.ts';

describe('the header editor preset from the link', () => {
  it('puts the fragment token in an Authorization header', () => {
    expect(JSON.parse(headersFromFragment('#token=abc.def.ghi'))).toEqual({ Authorization: 'Bearer abc.def.ghi' });
    expect(JSON.parse(headersFromFragment('#other=1&token=Bearer%20abc'))).toEqual({ Authorization: 'Bearer abc' });
  });

  it('leaves the headers empty without a token', () => {
    expect(headersFromFragment('')).toBe('');
    expect(headersFromFragment('#token=')).toBe('');
    expect(headersFromFragment('#welcome')).toBe('');
  });
});
