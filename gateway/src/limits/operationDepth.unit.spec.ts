import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { fragmentsOf, operationOf } from './operationWalk.ts';
import { operationDepth } from './operationDepth.ts';

function depthOf(text: string, operationName?: string): number {
  const document = parse(text);
  const operation = operationOf(document, operationName);
  if (!operation) throw new Error('no operation');
  return operationDepth(operation, fragmentsOf(document));
}

describe('operation depth', () => {
  it('counts nested fields, not the operation itself', () => {
    expect(depthOf('{ me }')).toBe(1);
    expect(depthOf('{ me { id } }')).toBe(2);
    expect(depthOf('{ feed { edges { node { author { id } } } } me { id } }')).toBe(5);
  });

  it('follows fragment spreads and inline fragments without adding a level for them', () => {
    const text = `
      query Q { feed { ...Feed } }
      fragment Feed on PostConnection { edges { node { ...Post } } }
      fragment Post on Post { id ... on Post { author { id } } }
    `;
    expect(depthOf(text)).toBe(5);
  });

  it("leaves out __typename, and measures introspection except its type references' ofType", () => {
    expect(depthOf('{ me { __typename } }')).toBe(1);
    expect(depthOf('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }')).toBe(5);
    expect(depthOf('{ __type(name: "User") { fields { type { fields { type { fields { name } } } } } } }')).toBe(7);
    // Outside introspection a field named ofType is a field like any other.
    expect(depthOf('{ me { ofType { ofType { id } } } }')).toBe(4);
  });

  it('measures the operation asked for by name', () => {
    const text = 'query Shallow { me { id } } query Deep { me { posts { edges { node { id } } } } }';
    expect(depthOf(text, 'Shallow')).toBe(2);
    expect(depthOf(text, 'Deep')).toBe(5);
  });

  it('measures each fragment once, so fragment fan-out cannot make measuring slow', () => {
    // 30 fragments, each spreading the next twice: 2^30 paths if expanded naively.
    const fragments = Array.from(
      { length: 30 },
      (_, index) => `fragment F${index} on User { a: id ${index < 29 ? `... F${index + 1} ... F${index + 1}` : ''} }`,
    );
    const started = performance.now();
    expect(depthOf(`{ me { ...F0 } } ${fragments.join('\n')}`)).toBe(2);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('does not loop on a cyclic spread (validation reports it)', () => {
    expect(depthOf('{ me { ...A } } fragment A on User { friend { ...A } }')).toBe(2);
  });
});
