import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { fragmentsOf, operationOf } from './operationWalk.ts';
import { operationCost } from './useCostLimit.ts';

const schema = buildSchema(`
  type Query {
    me: User
    feed(first: Int = 20, after: String): PostConnection!
    search(query: String!, first: Int): [SearchResult!]!
    everyone: [User!]!
  }
  type Mutation { lovePost(postId: ID!): Post }
  union SearchResult = User | Post
  type User { id: ID! name: String! tags: [String!]! posts(first: Int = 10): PostConnection! friends: [User!]! }
  type Post { id: ID! caption: String! author: User! comments(first: Int): CommentConnection! }
  type PostConnection { edges: [PostEdge!]! pageInfo: PageInfo! }
  type PostEdge { cursor: String! node: Post! }
  type CommentConnection { edges: [CommentEdge!]! }
  type CommentEdge { node: Comment! }
  type Comment { id: ID! text: String! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  "Only introspection reaches it: four ways down from each node."
  type Tree { a: Tree b: Tree c: Tree d: Tree }
`);

function costOf(text: string, variables?: Record<string, unknown>, introspectionBudget?: number): number {
  const document = parse(text);
  const operation = operationOf(document);
  if (!operation) throw new Error('no operation');
  return operationCost(schema, operation, fragmentsOf(document), {
    defaultListSize: 20,
    variables,
    ...(introspectionBudget === undefined ? {} : { introspectionBudget }),
  });
}

describe('static operation cost', () => {
  it('costs 1 per field, __typename free, scalar lists like any scalar', () => {
    expect(costOf('{ me { id name tags __typename } }')).toBe(4);
  });

  it('multiplies what a paginated field selects by first, and does not charge its edges list again', () => {
    // feed 1 + 5 × (edges 1 + node 1 + id 1 + caption 1)
    expect(costOf('{ feed(first: 5) { edges { node { id caption } } } }')).toBe(1 + 5 * 4);
  });

  it("uses first from a variable, then the variable's default, then the argument's default, then 20", () => {
    const query = 'query Q($n: Int = 3) { feed(first: $n) { edges { cursor } } }';
    expect(costOf(query, { n: 7 })).toBe(1 + 7 * 2);
    expect(costOf(query)).toBe(1 + 3 * 2);
    expect(costOf('{ feed { edges { cursor } } }')).toBe(1 + 20 * 2);
    expect(costOf('{ me { posts { edges { cursor } } } }')).toBe(1 + 1 + 10 * 2);
    expect(costOf('{ feed { edges { node { comments { edges { node { id } } } } } } }')).toBe(
      1 + 20 * (1 + 1 + 1 + 20 * 3),
    );
    expect(costOf('query Q($n: Int) { feed(first: $n) { pageInfo { hasNextPage } } }', { n: null })).toBe(1 + 20 * 2);
  });

  it('multiplies a list of objects without first by the default list size', () => {
    expect(costOf('{ everyone { id friends { id } } }')).toBe(1 + 20 * (1 + 1 + 20 * 1));
  });

  it('multiplies nested pages, which is what makes a query too costly', () => {
    const nested = '{ feed(first: 100) { edges { node { comments(first: 100) { edges { node { text } } } } } } }';
    expect(costOf(nested)).toBe(1 + 100 * (1 + 1 + 1 + 100 * 3));
  });

  it('counts every branch of a union, fragments included, as an upper bound', () => {
    const text = `{ search(query: "x", first: 2) { ... on User { id name } ...PostHit } }
      fragment PostHit on Post { id caption author { id } }`;
    expect(costOf(text)).toBe(1 + 2 * (2 + 4));
  });

  it('costs mutations the same way', () => {
    expect(costOf('mutation { lovePost(postId: "p") { id author { id } } }')).toBe(4);
  });

  describe('introspection', () => {
    const typeCount = Object.keys(schema.getTypeMap()).length;

    it('costs what it resolves: 1 per field of each object in the answer, __typename included', () => {
      // __schema 1 + types 1 + one name per type
      expect(costOf('{ __schema { types { name } } }')).toBe(2 + typeCount);
      // __type 1 + name 1 + fields 1 + (name + __typename) for each of User's 5 fields
      expect(costOf('{ __type(name: "User") { name fields { name __typename } } }')).toBe(3 + 5 * 2);
      expect(costOf('query T($n: String!) { __type(name: $n) { name } }', { n: 'Nope' })).toBe(1);
      expect(costOf('{ t: __type(name: "Post") { ...F } } fragment F on __Type { fields { name } }')).toBe(2 + 4);
    });

    it('counts each aliased copy, so repeating the schema multiplies its cost', () => {
      const once = costOf('{ __schema { types { name kind fields { name } } } }');
      expect(
        costOf(
          '{ a: __schema { types { name kind fields { name } } } b: __schema { types { name kind fields { name } } } }',
        ),
      ).toBe(2 * once);
    });

    it('prices nesting that multiplies, and stops counting once past the limit', () => {
      let nested = 'name';
      for (let level = 0; level < 6; level++) nested = `fields { name type { ${nested} } }`;
      const query = `{ __type(name: "Tree") { ${nested} } }`;
      // Each level: 4 fields × (fields, name, type) under the level above.
      expect(costOf(query)).toBeGreaterThan(4 ** 6);
      const stopped = costOf(query, undefined, 100);
      expect(stopped).toBeGreaterThan(100);
      expect(stopped).toBeLessThan(110);
      // Introspection switched off: nothing is walked, each root costs 1.
      expect(costOf(query, undefined, 0)).toBe(1);
    });
  });
});
