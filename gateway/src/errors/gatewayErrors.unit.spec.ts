import { describe, expect, it } from 'vitest';

import { maskError, maskErrorWithoutSuggestions } from './gatewayErrors.ts';

describe('error masking', () => {
  it("keeps a coded error's message and its public extensions only", () => {
    expect(
      maskError({
        message: 'The query is too deep.',
        extensions: { code: 'QUERY_TOO_DEEP', limit: 12, actual: 13, stacktrace: ['at x'], http: { status: 400 } },
      }),
    ).toEqual({ message: 'The query is too deep.', extensions: { code: 'QUERY_TOO_DEEP', limit: 12, actual: 13 } });
  });

  it('hides the message of an unexpected error and keeps its path', () => {
    expect(
      maskError({
        message: 'pg: relation "x" does not exist',
        path: ['me'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ).toEqual({
      message: expect.stringMatching(/^Unexpected error in the gateway/),
      path: ['me'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(maskError({ message: 'boom' }).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it("names the subgraph of a subgraph's unexpected error, and passes its coded errors through", () => {
    expect(
      maskError({
        message: 'Cassandra timeout at 10.0.0.3',
        extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'posts', exception: { stacktrace: [] } },
      }),
    ).toEqual({
      message: expect.stringMatching(/posts subgraph failed/),
      extensions: { code: 'SUBGRAPH_ERROR', subgraph: 'posts' },
    });
    expect(
      maskError({
        message: 'That username is taken.',
        extensions: { code: 'USERNAME_TAKEN', serviceName: 'users', field: 'username' },
      }),
    ).toEqual({
      message: 'That username is taken.',
      extensions: { code: 'USERNAME_TAKEN', subgraph: 'users', field: 'username' },
    });
  });

  it('drops "Did you mean" suggestions from validation and variable errors when asked to', () => {
    const validation = {
      message: 'Cannot query field "nam" on type "Account". Did you mean "name"?',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    };
    expect(maskErrorWithoutSuggestions(validation)).toEqual({
      message: 'Cannot query field "nam" on type "Account".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(
      maskErrorWithoutSuggestions({
        message:
          'Variable "$a" got invalid value "FREINDS"; Value "FREINDS" does not exist in "Audience" enum. Did you mean the enum value "FRIENDS"?',
        extensions: { code: 'BAD_USER_INPUT' },
      }).message,
    ).toBe('Variable "$a" got invalid value "FREINDS"; Value "FREINDS" does not exist in "Audience" enum.');
    expect(maskError(validation).message).toMatch(/Did you mean "name"\?$/);
  });
});
