import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer, HeaderMap } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { verifyViewer } from '@verograph/service';
import { parse } from 'graphql';

/** What a test subgraph's resolvers see: the verified viewer and the headers the gateway sent. */
export interface TestSubgraphContext {
  readonly viewerId: string | undefined;
  readonly headers: IncomingMessage['headers'];
}

/** Resolvers by type and field, as @apollo/subgraph takes them (`__resolveReference` included). */
export type TestResolvers = Record<string, Record<string, unknown>>;

export interface TestSubgraph {
  readonly name: string;
  readonly typeDefs: string;
  /** http://127.0.0.1:<port>/graphql; stays the same across stop() and start(). */
  readonly url: string;
  /** Takes the subgraph down: refuses connections until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A real, in-process Federation 2 subgraph on a random port, guarded exactly as the project's
 * subgraphs are: a request without a valid gateway signature is refused with 401 before any
 * GraphQL runs.
 */
export async function startTestSubgraph(options: {
  name: string;
  typeDefs: string;
  resolvers: TestResolvers;
  signingSecret: string;
}): Promise<TestSubgraph> {
  const apollo = new ApolloServer<TestSubgraphContext>({
    schema: buildSubgraphSchema({
      typeDefs: parse(options.typeDefs),
      resolvers: options.resolvers,
    } as Parameters<typeof buildSubgraphSchema>[0]),
    csrfPrevention: false,
    includeStacktraceInErrorResponses: true,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await apollo.start();

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const check = verifyViewer(options.signingSecret, request.headers, {
      subgraph: options.name,
      body,
      scope: 'request',
    });
    if (!check.ok) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ message: check.reason, extensions: { code: 'UNAUTHENTICATED' } }] }));
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const url = new URL(request.url ?? '/', 'http://subgraph');
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: request.method ?? 'POST',
        headers,
        search: url.search,
        body: body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined,
      },
      context: async () => ({ viewerId: check.viewerId, headers: request.headers }),
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') response.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };

  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    const next = createServer((request, response) => {
      handler(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  await start();

  return {
    name: options.name,
    typeDefs: options.typeDefs,
    get url() {
      return `http://127.0.0.1:${port}/graphql`;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      current.closeAllConnections();
      await closed;
    },
    start,
  };
}
