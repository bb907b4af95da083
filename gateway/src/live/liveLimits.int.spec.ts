import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { startTestSubgraph, type TestSubgraph } from '../testing/testSubgraph.ts';
import { postGraphQL, SIGNING_SECRET, startTestGateway, type TestGateway } from '../testing/testWorld.ts';

/**
 * One set of limits for queries and subscriptions: a document holding a query and a
 * subscription with the same selection is refused over HTTP (the query) and over graphql-ws and
 * SSE (the subscription) with the same code, message, limit and figure. Limits are checked
 * before a subscription is planned or its topic read, so no Kafka is involved.
 */
const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { item(id: ID!): Item }
type Subscription { itemChanged(id: ID!): Item }
interface Node { id: ID! }
union Related = Item | Tag
type Item implements Node { id: ID! name: String! children: [Item!]! tags(first: Int): [Tag!]! related: [Related!]! }
type Tag implements Node { id: ID! label: String! }
`;

const LIMITS = { depth: 5, aliases: 3, cost: 200, length: 600 };

let subgraph: TestSubgraph;
let gateway: TestGateway;

beforeAll(async () => {
  subgraph = await startTestSubgraph({
    name: 'items',
    typeDefs: SDL,
    resolvers: { Query: { item: (_: unknown, { id }: { id: string }) => ({ id, name: id }) } },
    signingSecret: SIGNING_SECRET,
  });
  gateway = await startTestGateway({
    subgraphs: [{ name: 'items', url: subgraph.url, typeDefs: SDL }],
    env: {
      GATEWAY_MAX_DEPTH: String(LIMITS.depth),
      GATEWAY_MAX_ALIASES: String(LIMITS.aliases),
      GATEWAY_MAX_COST: String(LIMITS.cost),
      GATEWAY_MAX_QUERY_LENGTH: String(LIMITS.length),
      // Nothing here reads a topic: the refusals come first.
      GATEWAY_LIVE_CONSUME_ON_START: 'false',
      GATEWAY_ENTITY_CACHE: 'false',
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await subgraph?.stop();
});

/** The same selection as a query (operation Q) and as a subscription (operation S), in one text. */
const both = (selection: string, padding = '') =>
  `query Q { item(id: "i") { ${selection} } }\nsubscription S { itemChanged(id: "i") { ${selection} } }\n${padding}`;

type Refusal = { message: string; extensions?: Record<string, unknown> };

async function overHttp(query: string): Promise<Refusal[]> {
  const response = await postGraphQL(gateway.graphqlUrl, { query, operationName: 'Q' });
  expect(response.status).toBe(400);
  return response.body.errors ?? [];
}

async function overGraphqlWs(query: string): Promise<Refusal[]> {
  const client = createClient({
    url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    return await new Promise<Refusal[]>((resolve, reject) => {
      client.subscribe(
        { query, operationName: 'S' },
        {
          next: (result) => reject(new Error(`a result instead of a refusal: ${JSON.stringify(result)}`)),
          error: (error) => (Array.isArray(error) ? resolve(error as Refusal[]) : reject(error)),
          complete: () => reject(new Error('completed instead of refused')),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

async function overSse(query: string): Promise<Refusal[]> {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, operationName: 'S' }),
  });
  const text = await response.text();
  const next = /event: next\ndata: (.*)\n/.exec(text);
  if (!next) throw new Error(`no next event in ${text.slice(0, 300)}`);
  return (JSON.parse(next[1]!) as { errors: Refusal[] }).errors;
}

describe('one set of limits for queries and subscriptions', () => {
  const cases: { name: string; document: string; code: string; limit: number }[] = [
    {
      name: 'too deep',
      document: both('children { children { children { children { children { id } } } } }'),
      code: 'QUERY_TOO_DEEP',
      limit: LIMITS.depth,
    },
    {
      name: 'too many aliases',
      document: both('a: name b: name c: name d: name'),
      code: 'TOO_MANY_ALIASES',
      limit: LIMITS.aliases,
    },
    {
      name: 'too costly, through a union whose dearest branch counts',
      document: both('children { related { ... on Item { children { id } } ... on Tag { label } } }'),
      code: 'QUERY_TOO_COMPLEX',
      limit: LIMITS.cost,
    },
    {
      name: 'too long',
      document: both('id', `# ${'padding '.repeat(80)}`),
      code: 'QUERY_TOO_LONG',
      limit: LIMITS.length,
    },
  ];

  for (const { name, document, code, limit } of cases) {
    it(`refuses a document ${name} with ${code} in the same words over HTTP, graphql-ws and SSE`, async () => {
      const http = await overHttp(document);
      expect(http).toHaveLength(1);
      expect(http[0]!.extensions?.code).toBe(code);
      // Depth, aliases and cost carry their figures; the length refusal comes before any parsing.
      if (code !== 'QUERY_TOO_LONG') expect(http[0]!.extensions).toMatchObject({ limit });
      expect(await overGraphqlWs(document)).toEqual(http);
      expect(await overSse(document)).toEqual(http);
    });
  }

  it('prices the union by its dearest branch on both paths', async () => {
    const [refusal] = await overHttp(
      both('children { related { ... on Item { children { id } } ... on Tag { label } } }'),
    );
    // item 1 + children 1 + 20 × (related 1 + 20 × max(Item: children 1 + 20 × id 1, Tag: label 1))
    expect(refusal!.extensions).toMatchObject({ actual: 1 + 1 + 20 * (1 + 20 * (1 + 20 * 1)) });
  });
});
