import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { fragmentsOf, operationOf } from './operationWalk.ts';
import { aliasCount } from './aliasCount.ts';

function aliasesIn(text: string): number {
  const document = parse(text);
  const operation = operationOf(document);
  if (!operation) throw new Error('no operation');
  return aliasCount(operation, fragmentsOf(document));
}

describe('alias count', () => {
  it('counts every aliased field, nested ones too', () => {
    expect(aliasesIn('{ me { id } }')).toBe(0);
    expect(aliasesIn('{ a: me { id } b: me { x: id } }')).toBe(3);
  });

  it('counts a fragment each time it is spread, since each spread is resolved', () => {
    const text = '{ me { ...Pair ...Pair } a: me { ...Pair } } fragment Pair on User { one: id two: id }';
    expect(aliasesIn(text)).toBe(7);
  });

  it('counts aliases inside inline fragments and inside introspection', () => {
    expect(aliasesIn('{ me { ... on User { a: id b: id } } s: __schema { t: types { name } } }')).toBe(4);
    const repeatedSchema = Array.from({ length: 80 }, (_, index) => `s${index}: __schema { types { name } }`);
    expect(aliasesIn(`{ ${repeatedSchema.join(' ')} }`)).toBe(80);
  });

  it('counts fragment fan-out without expanding it', () => {
    const fragments = Array.from(
      { length: 40 },
      (_, index) => `fragment F${index} on User { a: id ${index < 39 ? `... F${index + 1} ... F${index + 1}` : ''} }`,
    );
    // 2^40 - 1 aliases: far over any limit, counted instantly.
    expect(aliasesIn(`{ me { ...F0 } } ${fragments.join('\n')}`)).toBe(2 ** 40 - 1);
  });
});
