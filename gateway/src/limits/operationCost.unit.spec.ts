import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { fragmentsOf, operationOf } from './operationWalk.ts';
import { operationCost } from './operationCost.ts';

const schema = buildSchema(`
  type Query {
    me: User
    feed(first: Int = 20, after: String): PostConnection!
    search(query: String!, first: Int): [SearchResult!]!
    everyone: [User!]!
    node(id: ID!): Node
    items: [FeedItem!]!
  }
  interface Node { id: ID! }
  union FeedItem = Post | Ad
  type Ad { id: ID! sponsor: User! related: [SearchResult!]! }
  type Mutation { lovePost(postId: ID!): Post }
  union SearchResult = User | Post
  type User implements Node { id: ID! name: String! tags: [String!]! posts(first: Int = 10): PostConnection! friends: [User!]! }
  type Post implements Node { id: ID! caption: String! author: User! comments(first: Int): CommentConnection! }
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

  describe('abstract types: the most expensive type branch, not the sum of branches', () => {
    it('prices a union by its dearest member, fragments included', () => {
      const text = `{ search(query: "x", first: 2) { ... on User { id name } ...PostHit } }
        fragment PostHit on Post { id caption author { id } }`;
      // User: 2, Post: 4 (id, caption, author, author.id)
      expect(costOf(text)).toBe(1 + 2 * 4);
    });

    it("charges an interface's own fields to every branch, beside each type's fragments", () => {
      const text = '{ node(id: "n") { id ... on User { name tags } ... on Post { caption } } }';
      // User: id, name, tags; Post: id, caption
      expect(costOf(text)).toBe(1 + 3);
      // A fragment on the interface applies to each member it covers, inside a union too.
      expect(costOf('{ search(query: "x", first: 1) { ... on Node { id } ... on User { name } } }')).toBe(1 + 2);
      expect(
        costOf(
          '{ search(query: "x", first: 1) { ...Hit } } fragment Hit on SearchResult { ... on Post { caption author { id } } }',
        ),
      ).toBe(1 + 3);
    });

    it('takes the dearest branch at each level of nested unions, lists without first at the default size', () => {
      const text = `{ items {
        ... on Post { id }
        ... on Ad { sponsor { id } related { ... on User { friends { id } } ... on Post { id } } }
      } }`;
      // related: User 1 + 20 × 1 = 21 beats Post 1; Ad: sponsor 2 + related (1 + 20 × 21) = 423 beats Post 1
      expect(costOf(text)).toBe(1 + 20 * (2 + (1 + 20 * (1 + 20 * 1))));
    });

    it('prices a branch the answer cannot hold at nothing, and a selection of only __typename at nothing', () => {
      expect(costOf('{ items { __typename ... on Ad { id } } }')).toBe(1 + 20 * 1);
      expect(costOf('{ items { __typename } }')).toBe(1);
    });

    it('prices each shared fragment once per type, so fragment fan-out cannot make pricing slow', () => {
      const fragments = Array.from(
        { length: 30 },
        (_, index) =>
          `fragment F${index} on SearchResult { ... on User { id } ${index < 29 ? `...F${index + 1} ...F${index + 1}` : ''} }`,
      );
      const started = performance.now();
      // 2^30 spreads if expanded naively: counted (as an upper bound) in well under a second.
      expect(costOf(`{ search(query: "x", first: 1) { ...F0 } } ${fragments.join('\n')}`)).toBe(1 + (2 ** 30 - 1));
      expect(performance.now() - started).toBeLessThan(500);
    });
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
