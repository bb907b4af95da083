/**
 * Subgraphs for the executor conformance specs, modelled on the situations @apollo/gateway's own
 * executeQueryPlan tests cover: @key chains over four subgraphs, @requires, @provides, @override,
 * an entity a subgraph cannot find, a failing join, an @interfaceObject and abstract types.
 */
import type { PairSubgraph } from './executorPair.ts';

const link = (imports: string) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const products = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Chair', price: 54, weight: 50 },
  // Reviews fail for it, inventory does not know it.
  { upc: '4', name: 'Ghost', price: 0, weight: 0 },
];
const users = [
  { id: '1', name: 'Ada Lovelace', username: '@ada', birthDate: '1815-12-10' },
  { id: '2', name: 'Alan Turing', username: '@complete', birthDate: '1912-06-23' },
];
const reviews = [
  { id: 'r1', body: 'Love it!', authorId: '1', upc: '1' },
  { id: 'r2', body: 'Too expensive.', authorId: '1', upc: '2' },
  { id: 'r3', body: 'Could be better.', authorId: '2', upc: '3' },
  { id: 'r4', body: 'Prefer something else.', authorId: '2', upc: '1' },
];

export const shopSubgraphs: PairSubgraph[] = [
  {
    name: 'products',
    typeDefs: `${link('"@key", "@shareable"')}
      type Query { topProducts(first: Int = 3): [Product] product(upc: ID!): Product }
      type Product @key(fields: "upc") { upc: ID! name: String price: Int weight: Int kind: Kind }
      enum Kind { FURNITURE OTHER }`,
    resolvers: {
      Query: {
        topProducts: (_: unknown, { first }: { first: number }) => products.slice(0, first),
        product: (_: unknown, { upc }: { upc: string }) => products.find((p) => p.upc === upc) ?? null,
      },
      Product: {
        __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc) ?? null,
        kind: (p: { upc: string }) => (p.upc === '4' ? 'OTHER' : 'FURNITURE'),
      },
    },
  },
  {
    name: 'reviews',
    typeDefs: `${link('"@key", "@external", "@provides", "@override"')}
      type Query { review(id: ID!): Review }
      type Mutation { addReview(upc: ID!, body: String!): Review }
      type Review { id: ID! body: String! author: User @provides(fields: "username") product: Product }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] name: String @override(from: "accounts") }
      type Product @key(fields: "upc") { upc: ID! reviews: [Review] }`,
    resolvers: {
      Query: {
        review: (_: unknown, { id }: { id: string }) => {
          if (id === 'boom') throw new Error('the review store is down');
          return reviews.find((r) => r.id === id) ?? null;
        },
      },
      Mutation: {
        addReview: (_: unknown, { upc, body }: { upc: string; body: string }) => ({
          id: 'r-new',
          body,
          authorId: '1',
          upc,
        }),
      },
      Review: {
        author: (r: { authorId: string }) => {
          const user = users.find((u) => u.id === r.authorId)!;
          return { id: user.id, username: user.username };
        },
        product: (r: { upc: string }) => ({ upc: r.upc }),
      },
      User: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        reviews: (u: { id: string }) => reviews.filter((r) => r.authorId === u.id),
        name: (u: { id: string }) => `${users.find((user) => user.id === u.id)?.name ?? '?'} (from reviews)`,
      },
      Product: {
        __resolveReference: (ref: { upc: string }) => ref,
        reviews: (p: { upc: string }) => {
          if (p.upc === '4') throw new Error(`reviews of ${p.upc} are unavailable`);
          return reviews.filter((r) => r.upc === p.upc);
        },
      },
    },
  },
  {
    name: 'accounts',
    typeDefs: `${link('"@key", "@shareable"')}
      type Query { me: User user(id: ID!): User }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthDate: String }`,
    resolvers: {
      Query: {
        me: () => users[0],
        user: (_: unknown, { id }: { id: string }) => users.find((u) => u.id === id) ?? null,
      },
      User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) ?? null },
    },
  },
  {
    name: 'inventory',
    typeDefs: `${link('"@key", "@external", "@requires"')}
      type Product @key(fields: "upc") {
        upc: ID!
        weight: Int @external
        price: Int @external
        inStock: Boolean!
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number; weight?: number }) =>
          ref.upc === '4' ? null : { ...ref, inStock: ref.upc !== '2' },
        shippingEstimate: (p: { price: number; weight: number }) => (p.price > 1000 ? 0 : Math.round(p.weight * 0.5)),
      },
    },
  },
];

const media = [
  { __typename: 'Book', id: 'b1', title: 'Dune', pages: 412 },
  { __typename: 'Movie', id: 'm1', title: 'Alien', minutes: 117 },
  { __typename: 'Book', id: 'b2', title: 'Solaris', pages: 204 },
];

export const mediaSubgraphs: PairSubgraph[] = [
  {
    name: 'catalog',
    typeDefs: `${link('"@key"')}
      type Query { media: [Media!]! items: [Item] mediaById(id: ID!): Media }
      interface Media @key(fields: "id") { id: ID! title: String }
      type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }
      type Movie implements Media @key(fields: "id") { id: ID! title: String minutes: Int }
      type Ad { id: ID! text: String }
      union Item = Book | Movie | Ad`,
    resolvers: {
      Query: {
        media: () => media,
        items: () => [...media, { __typename: 'Ad', id: 'a1', text: 'Buy now' }, null],
        mediaById: (_: unknown, { id }: { id: string }) => media.find((m) => m.id === id) ?? null,
      },
      Media: {
        __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) ?? null,
        __resolveType: (m: { __typename: string }) => m.__typename,
      },
      Item: { __resolveType: (m: { __typename: string }) => m.__typename },
    },
  },
  {
    name: 'ratings',
    typeDefs: `${link('"@key", "@interfaceObject"')}
      type Query { topRated: [Media] }
      type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }`,
    resolvers: {
      Query: { topRated: () => [{ id: 'm1' }, { id: 'b2' }, { id: 'gone' }] },
      Media: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id, stars: ref.id.length + (ref.id === 'b1' ? 3 : 1) }),
      },
    },
  },
];
