import { DomainError } from '@verograph/domain';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';

import { isUnavailable, maskError } from './maskError.ts';

/** As graphql-js wraps an error thrown by a resolver. */
const fromResolver = (error: Error) =>
  new GraphQLError(error.message, { path: ['post', 'author'], originalError: error });

describe('maskError', () => {
  it('shows a domain error with its code, its field and its path', () => {
    const error = fromResolver(new DomainError('INVALID_CURSOR', 'after is not a cursor', { field: 'after' }));
    expect(maskError({ message: error.message, path: ['feed'] }, error).formatted).toEqual({
      message: 'after is not a cursor',
      path: ['feed'],
      extensions: { code: 'INVALID_CURSOR', field: 'after' },
    });
  });

  it('keeps the request errors of graphql-js and Apollo, without a stack trace', () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const masked = maskError(
      {
        message: error.message,
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at somewhere'] },
      },
      error,
    );
    expect(masked.formatted).toEqual({
      message: 'Cannot query field "nope" on type "Query".',
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(masked.unexpected).toBe(false);
  });

  it('keeps a variable coercion error even when Apollo wrapped graphql-js in it', () => {
    const inner = new GraphQLError('Value "EVERYONE" does not exist in "Audience" enum.');
    const error = new GraphQLError('Variable "$input" got invalid value "EVERYONE".', {
      originalError: inner,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const masked = maskError({ message: error.message, extensions: { code: 'BAD_USER_INPUT' } }, error);
    expect(masked.formatted).toEqual({
      message: 'Variable "$input" got invalid value "EVERYONE".',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('turns an unreachable store into STORE_UNAVAILABLE, hiding the driver message', () => {
    const driver = Object.assign(new Error('All host(s) tried for query failed. 127.0.0.1:9042 ECONNREFUSED'), {
      name: 'NoHostAvailableError',
    });
    const masked = maskError({ message: driver.message, path: ['feed'] }, fromResolver(driver));
    expect(masked.formatted.extensions).toEqual({ code: 'STORE_UNAVAILABLE' });
    expect(masked.formatted.message).not.toContain('9042');
    expect(masked.unexpected).toBe(true);
  });

  it('turns anything else into INTERNAL_SERVER_ERROR with a generic message', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const masked = maskError(
      { message: bug.message, path: ['post'], extensions: { stacktrace: ['TypeError: …'] } },
      fromResolver(bug),
    );
    expect(masked.formatted).toEqual({
      message: 'Something went wrong on our side; it has been logged.',
      path: ['post'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});

describe('isUnavailable', () => {
  it('recognises driver errors, socket errors, overloaded Cassandra answers and their causes', () => {
    expect(isUnavailable(Object.assign(new Error('x'), { name: 'OperationTimedOutError' }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x1200 }))).toBe(true);
    expect(
      isUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }) })),
    ).toBe(true);
  });

  it('does not mistake a bad query or a bug for an outage', () => {
    expect(isUnavailable(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x2200 }))).toBe(false);
    expect(isUnavailable(new TypeError('x'))).toBe(false);
    expect(isUnavailable('ECONNREFUSED')).toBe(false);
  });
});
