/**
 * The four subgraphs of `npm run bench -- gateway`, answering from memory: products, reviews,
 * accounts and inventory, with nested entities (product → reviews → author, @requires on
 * inventory), abstract types (Product is an interface, Review.media a union) and a query written
 * with fragments whose answer is tens of KB. Each answer is computed once per distinct request
 * body and then served as stored bytes, so a subgraph costs almost nothing and the gateways'
 * own cost is what the bench measures.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';

const link = (imports: string) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const PRODUCTS = Array.from({ length: 60 }, (_, i) => ({
  __typename: i % 3 === 2 ? 'Book' : 'Furniture',
  upc: `p${i}`,
  name: `Product number ${i}`,
  price: 100 + ((i * 37) % 900),
  weight: 5 + ((i * 11) % 50),
  isbn: `978-0-${1000 + i}`,
  pages: 100 + i,
}));
const USERS = Array.from({ length: 40 }, (_, i) => ({
  id: `u${i}`,
  name: `User ${i}`,
  username: `user_${i}`,
  joined: `2024-0${1 + (i % 9)}-1${i % 10}`,
}));
const reviewsOf = (upc: string) =>
  [0, 1, 2, 3].map((k) => {
    const n = Number(upc.slice(1)) * 4 + k;
    return {
      id: `r${n}`,
      body: `Review ${n}: ${'solid and well made, '.repeat(1 + (n % 3))}`,
      rating: 1 + (n % 5),
      authorId: `u${n % 40}`,
      n,
    };
  });

interface Subgraph {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers: Record<string, Record<string, unknown>>;
}

export const benchSubgraphs: readonly Subgraph[] = [
  {
    name: 'products',
    typeDefs: `${link('"@key"')}
      type Query { topProducts(first: Int = 5): [Product!]! }
      interface Product @key(fields: "upc") { upc: ID! name: String! price: Int! }
      type Furniture implements Product @key(fields: "upc") { upc: ID! name: String! price: Int! weight: Int! }
      type Book implements Product @key(fields: "upc") { upc: ID! name: String! price: Int! isbn: String! pages: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
      Product: {
        __resolveType: (p: { __typename: string }) => p.__typename,
        __resolveReference: (ref: { upc: string }) => PRODUCTS.find((p) => p.upc === ref.upc),
      },
      Furniture: { __resolveReference: (ref: { upc: string }) => PRODUCTS.find((p) => p.upc === ref.upc) },
      Book: { __resolveReference: (ref: { upc: string }) => PRODUCTS.find((p) => p.upc === ref.upc) },
    },
  },
  {
    name: 'reviews',
    typeDefs: `${link('"@key"')}
      type Review { id: ID! body: String! rating: Int! author: User! media: [Media!]! }
      union Media = Photo | Video
      type Photo { url: String! width: Int! }
      type Video { url: String! seconds: Int! }
      type User @key(fields: "id") { id: ID! reviewCount: Int! }
      type Furniture @key(fields: "upc") { upc: ID! reviews: [Review!]! }
      type Book @key(fields: "upc") { upc: ID! reviews: [Review!]! }`,
    resolvers: {
      Review: {
        author: (r: { authorId: string }) => ({ id: r.authorId }),
        media: (r: { n: number }) =>
          r.n % 2 === 0
            ? [{ __typename: 'Photo', url: `https://img.example/${r.n}.jpg`, width: 640 }]
            : [{ __typename: 'Video', url: `https://vid.example/${r.n}.mp4`, seconds: r.n % 90 }],
      },
      Media: { __resolveType: (m: { __typename: string }) => m.__typename },
      User: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        reviewCount: (u: { id: string }) => 1 + (Number(u.id.slice(1)) % 7),
      },
      Furniture: { __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc, reviews: reviewsOf(ref.upc) }) },
      Book: { __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc, reviews: reviewsOf(ref.upc) }) },
    },
  },
  {
    name: 'accounts',
    typeDefs: `${link('"@key"')}
      type User @key(fields: "id") { id: ID! name: String! username: String! joined: String }`,
    resolvers: { User: { __resolveReference: (ref: { id: string }) => USERS.find((u) => u.id === ref.id) } },
  },
  {
    name: 'inventory',
    typeDefs: `${link('"@key", "@external", "@requires"')}
      type Furniture @key(fields: "upc") {
        upc: ID!
        weight: Int! @external
        price: Int! @external
        inStock: Boolean!
        shippingEstimate: Int! @requires(fields: "price weight")
      }`,
    resolvers: {
      Furniture: {
        __resolveReference: (ref: { upc: string; price: number; weight: number }) => ({
          ...ref,
          inStock: ref.price % 2 === 0,
          shippingEstimate: ref.price > 500 ? 0 : Math.round(ref.weight * 0.5),
        }),
      },
    },
  },
];

/** The operation every gateway answers, 50 products with 4 reviews each: about 60 KB of JSON. */
export const benchQuery = `query TopProducts($first: Int!) {
  topProducts(first: $first) {
    ...ProductSummary
    ... on Furniture { weight inStock shippingEstimate reviews { ...ReviewDetail } }
    ... on Book { isbn pages reviews { ...ReviewDetail } }
  }
}
fragment ProductSummary on Product { __typename upc name price }
fragment ReviewDetail on Review {
  id body rating
  author { id name username reviewCount joined }
  media { __typename ... on Photo { url width } ... on Video { url seconds } }
}`;
export const benchVariables = { first: 50 };

/** The supergraph of the four, routed to `urlOf(name)`. */
export function benchSupergraph(urlOf: (name: string) => string): string {
  const composed = composeServices(
    benchSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs: parse(typeDefs), url: urlOf(name) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

/** Serves every subgraph at /<name> on one port; resolves to its base URL. */
export async function serveBenchSubgraphs(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const schemas = new Map<string, GraphQLSchema>(
    benchSubgraphs.map(({ name, typeDefs, resolvers }) => [
      `/${name}`,
      buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers } as Parameters<typeof buildSubgraphSchema>[0]),
    ]),
  );
  const answers = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const schema = schemas.get(request.url ?? '');
      if (!schema) {
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString();
      const key = `${request.url}\n${body}`;
      let answer = answers.get(key);
      if (!answer) {
        const { query, variables, operationName } = JSON.parse(body) as {
          query: string;
          variables?: Record<string, unknown>;
          operationName?: string;
        };
        const result = await execute({ schema, document: parse(query), variableValues: variables, operationName });
        answer = Buffer.from(JSON.stringify(result));
        if (answers.size < 10_000) answers.set(key, answer);
      }
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      response.end(answer);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
