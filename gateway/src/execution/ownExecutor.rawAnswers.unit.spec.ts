/**
 * Conformance on answers no well-behaved subgraph sends: invalid leaves, unknown type names,
 * prototype keys, a wrong number of entities, subgraph errors with and without codes, a subgraph
 * that cannot be reached. Both executors must make the same response of each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createExecutorPair, runBoth, type ExecutorPair, type PairSubgraph } from './testing/executorPair.ts';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

interface Scenario {
  readonly front: unknown;
  /** What `back` answers to an entity fetch, given the representations; an Error is thrown. */
  readonly back?: (representations: unknown[]) => unknown;
}

let scenario: Scenario = { front: { data: null } };

const subgraphs: PairSubgraph[] = [
  {
    name: 'front',
    typeDefs: `${link}
      type Query { thing: Thing things: [Thing!] strictName: String! count: Int mood: Mood json: JSON }
      type Thing @key(fields: "id") { id: ID! label: String nested: Nested }
      type Nested { a: String b: Int }
      enum Mood { HAPPY SAD }
      scalar JSON`,
    respond: () => scenario.front,
  },
  {
    name: 'back',
    typeDefs: `${link}
      type Thing @key(fields: "id") { id: ID! extra: String score: Int! }`,
    respond: ({ variables }) => {
      const answer = scenario.back?.(variables.representations as unknown[]);
      if (answer instanceof Error) throw answer;
      return answer ?? { data: { _entities: (variables.representations as unknown[]).map(() => null) } };
    },
  },
];

const thing = (id: string, more: object = {}) => ({ __typename: 'Thing', id, ...more });
const entities = (representations: unknown[], each: (index: number) => unknown) => ({
  data: { _entities: representations.map((_, i) => each(i)) },
});

const cases: { name: string; query: string; scenario: Scenario; clean?: boolean }[] = [
  {
    name: 'invalid leaves and a null non-null root field',
    query: '{ thing { id label } count mood strictName }',
    scenario: { front: { data: { thing: thing('t1', { label: 42 }), count: 1.5, mood: 'ANGRY', strictName: null } } },
  },
  {
    name: 'a __typename the API schema does not have',
    query: '{ thing { __typename id label } things { id } }',
    scenario: { front: { data: { thing: { __typename: 'Secret', id: 't1' }, things: [thing('a'), null] } } },
  },
  {
    name: 'prototype keys in answers, aliases named after prototype properties',
    query: '{ thing { constructor: label toString: id nested { a } extra } json }',
    clean: true,
    scenario: {
      front: JSON.parse(
        '{"data":{"thing":{"__typename":"Thing","id":"t1","constructor":"c","toString":"t1","nested":{"a":"x","__proto__":{"polluted":true}}},' +
          '"json":{"__proto__":{"x":1},"constructor":{"prototype":{"p":1}}}}}',
      ) as unknown,
      back: (r) =>
        JSON.parse(
          `{"data":{"_entities":[${r.map(() => '{"__proto__":{"polluted":2},"extra":"e"}').join(',')}]}}`,
        ) as unknown,
    },
  },
  {
    name: 'fewer entities than representations',
    query: '{ things { id extra } }',
    scenario: { front: { data: { things: [thing('a'), thing('b')] } }, back: () => ({ data: { _entities: [] } }) },
  },
  {
    name: '_entities that is not a list',
    query: '{ thing { id extra } }',
    scenario: { front: { data: { thing: thing('a') } }, back: () => ({ data: { _entities: null } }) },
  },
  {
    name: 'an entity subgraph that cannot be reached',
    query: '{ thing { id label extra } count }',
    scenario: {
      front: { data: { thing: thing('a', { label: 'A' }), count: 3 } },
      back: () => new Error('connect ECONNREFUSED'),
    },
  },
  {
    name: 'entity errors: at the entity path, with no code, a custom code and a federation code',
    query: '{ things { id score extra } }',
    scenario: {
      front: { data: { things: [thing('a'), thing('b'), thing('c')] } },
      back: (r) => ({
        ...entities(r, (i) => (i === 1 ? null : { extra: `x${i}`, score: i })),
        errors: [
          { message: 'b is gone', path: ['_entities', 1, 'score'] },
          { message: 'custom', path: ['_entities', 2], extensions: { code: 'NOT_ALLOWED', detail: 1 } },
          { message: 'federation', extensions: { code: 'INVALID_GRAPHQL' } },
          { message: '', path: ['_entities', 0, 'extra'] },
        ],
      }),
    },
  },
  {
    name: 'a root error without data',
    query: '{ thing { id } count }',
    scenario: { front: { errors: [{ message: 'front failed', path: ['thing'] }] } },
  },
  {
    name: 'a null non-null entity field nulls the list element, then the non-null list',
    query: '{ things { id score } thing { id score } }',
    scenario: {
      front: { data: { things: [thing('a'), thing('b')], thing: thing('c') } },
      back: (r) => entities(r, (i) => ({ score: i === 1 ? null : i })),
    },
  },
];

describe('own executor conformance with @apollo/gateway: answers no subgraph should send', () => {
  let pair: ExecutorPair;
  beforeAll(async () => {
    pair = await createExecutorPair(subgraphs);
  });
  afterAll(() => pair.stop());

  for (const c of cases) {
    it(c.name, async () => {
      scenario = c.scenario;
      const { apollo, own, sentByApollo, sentByOwn } = await runBoth(pair, c.query);
      expect(own).toEqual(apollo);
      expect(sentByOwn).toEqual(sentByApollo);
      if (c.clean) expect(apollo.data).toContain('"constructor":"c"');
      else expect(apollo.errors.length + (apollo.extensions?.length ?? 0)).toBeGreaterThan(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
