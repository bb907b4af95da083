/**
 * Conformance: every case runs through @apollo/gateway's executor and ours, over the same planner
 * and in-memory subgraphs, and must give the client the same data, errors (message, path,
 * extensions) and extensions, after sending the subgraphs the same requests. The situations are
 * those @apollo/gateway's executeQueryPlan tests cover, on subgraphs of our own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createExecutorPair, runBoth, type ExecutorPair } from './testing/executorPair.ts';
import { mediaSubgraphs, shopSubgraphs } from './testing/shopSubgraphs.ts';

/** What the case is expected to show, so that a case cannot pass by both sides answering nothing. */
type Outcome = 'data' | 'errors' | 'completion';

interface Case {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  readonly outcome: Outcome;
}

async function expectSame(pair: ExecutorPair, c: Case): Promise<void> {
  const { apollo, own, sentByApollo, sentByOwn } = await runBoth(pair, c.query, c.variables, c.operationName);
  expect(own).toEqual(apollo);
  expect(sentByOwn).toEqual(sentByApollo);
  expect(apollo.data).not.toBe(undefined);
  if (c.outcome === 'data') expect(apollo.errors).toEqual([]);
  if (c.outcome === 'errors') expect(apollo.errors.length).toBeGreaterThan(0);
  if (c.outcome === 'completion') expect(apollo.extensions ?? '').toContain('valueCompletion');
}

const shopCases: Case[] = [
  { name: 'root fields of one subgraph', query: '{ topProducts { upc name price kind } }', outcome: 'data' },
  {
    name: '@key chains through three subgraphs, @provides and @override',
    query: '{ topProducts { name reviews { body author { id username name birthDate } } } }',
    outcome: 'data',
  },
  { name: '@requires', query: '{ topProducts { name shippingEstimate inStock } }', outcome: 'data' },
  {
    name: 'a failing entity fetch: the error is at the path of the entity',
    query: '{ topProducts(first: 4) { upc reviews { body author { username } } } }',
    outcome: 'errors',
  },
  {
    name: 'an entity a subgraph cannot find: a non-null field nulls its parent',
    query: '{ topProducts(first: 4) { upc name inStock shippingEstimate } }',
    outcome: 'completion',
  },
  {
    name: 'one response name selected twice: the second selection merges into the objects of the first',
    query: `{
      topProducts(first: 2) { upc reviews { id } }
      topProducts(first: 2) { name reviews { id body author { name } } reviews { author { username } } }
    }`,
    outcome: 'data',
  },
  {
    name: 'one response name selected twice over a failing entity fetch and a nulled non-null field',
    query: `{
      topProducts(first: 4) { upc inStock reviews { body } }
      topProducts(first: 4) { name shippingEstimate reviews { author { username } } }
    }`,
    outcome: 'errors',
  },
  {
    name: 'named and inline fragments, aliases, repeated fields',
    query: `query Shop {
      first: topProducts(first: 1) { ...P upc }
      all: topProducts { __typename ... on Product { upc } ... on Product { name reviews { id } } }
      me { ...U id }
    }
    fragment P on Product { upc name shippingEstimate reviews { author { ...U } } }
    fragment U on User { id name reviews { body product { name price } } }`,
    operationName: 'Shop',
    outcome: 'data',
  },
  {
    name: 'root and nested __typename, aliased',
    query: '{ __typename t: __typename me { __typename kind: __typename username } }',
    outcome: 'data',
  },
  {
    name: 'introspection beside federated fields',
    query:
      '{ __type(name: "Product") { name fields { name } } topProducts(first: 1) { name } __schema { queryType { name } } }',
    outcome: 'data',
  },
  {
    name: 'a root field that fails keeps the other root fields',
    query: '{ me { name } review(id: "boom") { body } topProducts(first: 1) { name } }',
    outcome: 'errors',
  },
  {
    name: 'a mutation followed by entity fetches',
    query: 'mutation { addReview(upc: "1", body: "Sturdy") { id body product { name inStock } author { name } } }',
    outcome: 'data',
  },
];

const variableQuery = `query Product($upc: ID!, $withReviews: Boolean!, $skipPrice: Boolean = false, $first: Int) {
  product(upc: $upc) {
    name
    price @skip(if: $skipPrice)
    reviews @include(if: $withReviews) { body author { name } }
    ... @include(if: $withReviews) { shippingEstimate }
  }
  topProducts(first: $first) { upc ... on Product @skip(if: $skipPrice) { price } }
}`;

const variableCases: Case[] = [
  { upc: '1', withReviews: true },
  { upc: '2', withReviews: false, skipPrice: true, first: 2 },
  { upc: '3', withReviews: true, skipPrice: false, first: 0 },
  { upc: '404', withReviews: true },
  { upc: '4', withReviews: true, first: 4 },
].map((variables) => ({
  name: `variables ${JSON.stringify(variables)}`,
  query: variableQuery,
  variables,
  outcome: variables.upc === '4' ? 'errors' : 'data',
}));

const mediaCases: Case[] = [
  {
    name: 'an interface list with fragments on its implementations',
    query: '{ media { id title ... on Book { pages } ... on Movie { minutes } } }',
    outcome: 'data',
  },
  {
    name: 'a union with a fragment on an interface and a null member',
    query: '{ items { __typename ... on Media { title } ... on Ad { text } } }',
    outcome: 'data',
  },
  {
    name: '@interfaceObject: __typename resolved by the interface subgraph; an unknown id nulled',
    query: '{ topRated { __typename id title stars } }',
    outcome: 'data',
  },
  {
    name: '@interfaceObject with a fragment on an implementation',
    query: '{ topRated { id stars ... on Book { pages } ... on Movie { title } } }',
    outcome: 'data',
  },
  { name: 'an @interfaceObject field on the interface', query: '{ media { id stars title } }', outcome: 'data' },
  {
    name: 'fragments on an abstract field by id',
    query: '{ a: mediaById(id: "b1") { ... on Movie { minutes } ... on Book { title } } b: mediaById(id: "x") { id } }',
    outcome: 'data',
  },
];

describe('own executor conformance with @apollo/gateway: shop (four subgraphs)', () => {
  let pair: ExecutorPair;
  beforeAll(async () => {
    pair = await createExecutorPair(shopSubgraphs);
  });
  afterAll(() => pair.stop());

  for (const c of [...shopCases, ...variableCases]) it(c.name, () => expectSame(pair, c));

  it('refuses bad variables the same way', async () => {
    const { apollo, own } = await runBoth(pair, variableQuery, { upc: 1, withReviews: 'yes' });
    expect(apollo.errors.length).toBeGreaterThan(0);
    expect(own).toEqual(apollo);
  });
});

describe('own executor conformance with @apollo/gateway: abstract types and @interfaceObject', () => {
  let pair: ExecutorPair;
  beforeAll(async () => {
    pair = await createExecutorPair(mediaSubgraphs);
  });
  afterAll(() => pair.stop());

  for (const c of mediaCases) it(c.name, () => expectSame(pair, c));
});
