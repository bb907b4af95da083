import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function parse(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO-8601 string such as 2026-11-26T07:00:00.000Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

/** The `DateTime` scalar: ISO-8601 in UTC on the wire, `Date` in resolvers. */
export const dateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date and time in UTC, e.g. 2026-11-26T07:00:00.000Z.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    return parse(value).toISOString();
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parse(ast.value);
  },
});
