import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { composeServices } from '@apollo/composition';
import { createLogger, envReader } from '@verograph/service';
import { parse } from 'graphql';
import { Registry } from 'prom-client';

import { readGatewayConfig } from '../config.ts';
import { createGateway } from '../createGateway.ts';
import { createTrustedDocuments, type TrustedDocuments } from '../persisted/trustedDocuments.ts';
import { startTestSubgraph, type TestSubgraph, type TestSubgraphContext } from './testSubgraph.ts';

export const SIGNING_SECRET = 'test-subgraph-signing-secret';
export const JWT_SECRET = 'test-jwt-secret';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** The accounts subgraph's SDL; `withBio` is the next version, which adds Account.bio. */
export function accountsSdl({ withBio }: { withBio: boolean }): string {
  return `${FEDERATION}
type Query {
  viewer: Account
  account(id: ID!): Account
  echo: Echo!
  slow(ms: Int!): String
}
type Mutation {
  rename(name: String!): Account
}
type Account @key(fields: "id") {
  id: ID!
  name: String!
  ${withBio ? 'bio: String' : ''}
}
type Echo {
  viewerId: String
  traceparent: String
  idempotencyKey: String
}
`;
}

export const NOTES_SDL = `${FEDERATION}
type Query {
  notes(first: Int = 20): [Note!]
  stalled: String
  leaky: String
}
type Mutation {
  addNote(text: String!): Note
}
type Account @key(fields: "id") {
  id: ID!
  notes(first: Int = 20): [Note!]
}
type Note {
  id: ID!
  text: String!
  author: Account!
}
`;

const account = (id: string) => ({ id, name: `Name of ${id}`, bio: `Bio of ${id}` });
const notesOf = (accountId: string, first: number) =>
  Array.from({ length: Math.min(first, 3) }, (_, index) => ({
    id: `${accountId}-n${index}`,
    text: `note ${index}`,
    authorId: accountId,
  }));

/** Accounts: who the viewer is (echoing what the gateway sent), accounts by id, a slow field. */
export function startAccountsSubgraph(): Promise<TestSubgraph> {
  return startTestSubgraph({
    name: 'accounts',
    // It always serves the newer schema; the supergraph decides what clients can ask for.
    typeDefs: accountsSdl({ withBio: true }),
    signingSecret: SIGNING_SECRET,
    resolvers: {
      Query: {
        viewer: (_: unknown, __: unknown, context: TestSubgraphContext) =>
          context.viewerId ? account(context.viewerId) : null,
        account: (_: unknown, args: { id: string }) => account(args.id),
        echo: (_: unknown, __: unknown, context: TestSubgraphContext) => ({
          viewerId: context.viewerId ?? null,
          traceparent: context.headers.traceparent ?? null,
          idempotencyKey: context.headers['idempotency-key'] ?? null,
        }),
        slow: async (_: unknown, args: { ms: number }) => {
          await sleep(args.ms);
          return `slept ${args.ms} ms`;
        },
      },
      Mutation: {
        rename: (_: unknown, args: { name: string }, context: TestSubgraphContext) =>
          context.viewerId ? { ...account(context.viewerId), name: args.name } : null,
      },
      Account: {
        // An id starting with "gone" has no account (deleted, or not visible to the viewer).
        __resolveReference: (reference: { id: string }) =>
          reference.id.startsWith('gone') ? null : account(reference.id),
      },
    },
  });
}

/** Notes: a list per account, a field that never answers in time, a field whose store fails. */
export function startNotesSubgraph(): Promise<TestSubgraph> {
  return startTestSubgraph({
    name: 'notes',
    typeDefs: NOTES_SDL,
    signingSecret: SIGNING_SECRET,
    resolvers: {
      Query: {
        notes: (_: unknown, args: { first: number }) => notesOf('a1', args.first),
        stalled: async () => {
          await sleep(10_000, undefined, { ref: false });
          return 'too late';
        },
        leaky: () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:9042 (cassandra keyspace verograph)');
        },
      },
      Mutation: {
        addNote: (_: unknown, args: { text: string }, context: TestSubgraphContext) => ({
          id: 'new-note',
          text: args.text,
          authorId: context.viewerId ?? 'anonymous',
        }),
      },
      Account: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        notes: (parent: { id: string }, args: { first: number }) => notesOf(parent.id, args.first),
      },
      Note: {
        author: (note: { authorId: string }) => ({ id: note.authorId }),
      },
    },
  });
}

/** Composes test subgraphs into a supergraph routed to their current URLs. */
export function composeSupergraph(subgraphs: readonly { name: string; url: string; typeDefs: string }[]): string {
  const result = composeServices(
    subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs: parse(typeDefs) })),
  );
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.supergraphSdl;
}

/** Writes beside the target and renames, as `npm run schema -- compose` does. */
export async function writeSupergraph(path: string, sdl: string): Promise<void> {
  const temporary = `${path}.${Date.now()}.tmp`;
  await writeFile(temporary, sdl, 'utf8');
  await rename(temporary, path);
}

export const TEST_OPERATION = 'query AccountName($id: ID!) {\n  account(id: $id) {\n    id\n    name\n  }\n}\n';

export interface TestGateway {
  readonly url: string;
  /** The operations endpoints: /health/live, /health/ready, /metrics. */
  readonly opsUrl: string;
  readonly graphqlUrl: string;
  readonly supergraphPath: string;
  readonly registry: Registry;
  stop(): Promise<void>;
}

/**
 * The real gateway on a random port over a supergraph file composed from the given subgraphs,
 * configured through the same env reader as production, with `env` overriding.
 */
export async function startTestGateway(options: {
  subgraphs: readonly { name: string; url: string; typeDefs: string }[];
  env?: Record<string, string>;
  documents?: TrustedDocuments;
}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  await writeSupergraph(supergraphPath, composeSupergraph(options.subgraphs));
  const config = readGatewayConfig(
    envReader({
      GATEWAY_PORT: '0',
      GATEWAY_OPS_PORT: '0',
      GATEWAY_SUPERGRAPH: supergraphPath,
      GATEWAY_SUPERGRAPH_DEBOUNCE_MS: '50',
      JWT_SECRET,
      SUBGRAPH_SIGNING_SECRET: SIGNING_SECRET,
      ...options.env,
    }),
  );
  const registry = new Registry();
  const gateway = createGateway(config, {
    logger: createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    registry,
    documents: options.documents ?? createTrustedDocuments([{ source: 'AccountName.graphql', text: TEST_OPERATION }]),
  });
  const url = await gateway.start();
  return {
    url,
    opsUrl: gateway.opsUrl,
    graphqlUrl: `${url}/graphql`,
    supergraphPath,
    registry,
    async stop() {
      await gateway.stop(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface GraphQLResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
  readonly ms: number;
}

/** POSTs a GraphQL request and reads the JSON answer. */
export async function postGraphQL(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text),
    ms: performance.now() - started,
  };
}

/** The codes of a response's errors, in order. */
export function codesOf(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
