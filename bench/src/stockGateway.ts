/**
 * The read benchmark's baseline: a stock Apollo Server (standalone) with @apollo/gateway over
 * the same supergraph and subgraphs, with only what it needs to be let in — the JWT checked
 * and the signed viewer headers the subgraphs require. No limits, metrics or trusted documents.
 */
import { readFileSync } from 'node:fs';

import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { LOCAL_JWT_SECRET } from '@verograph/gateway';
import { signViewer } from '@verograph/service';
import { jwtVerify } from 'jose';

const port = Number(process.env.STOCK_GATEWAY_PORT ?? 4500);
const supergraphSdl = readFileSync(process.env.GATEWAY_SUPERGRAPH ?? 'schema/supergraph.graphql', 'utf8');
const signingSecret = process.env.SUBGRAPH_SIGNING_SECRET ?? 'verograph-local-subgraph-secret';
const jwtSecret = new TextEncoder().encode(process.env.JWT_SECRET ?? LOCAL_JWT_SECRET);

interface Context {
  viewerId: string | undefined;
}

const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name: subgraph, url }) =>
    new RemoteGraphQLDataSource<Context>({
      url,
      willSendRequest({ request, context }) {
        // The text RemoteGraphQLDataSource sends: the query first, then the rest but `http`.
        const { query, http: _http, ...rest } = request;
        const sent = { query, ...rest };
        const signed = signViewer(signingSecret, context.viewerId, {
          subgraph,
          body: JSON.stringify(sent),
          scope: 'request',
        });
        for (const [name, value] of Object.entries(signed)) {
          request.http?.headers.set(name, value);
        }
      },
    }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async ({ req }) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (!token) return { viewerId: undefined };
    const { payload } = await jwtVerify(token, jwtSecret);
    return { viewerId: payload.sub };
  },
});
console.log(`stock gateway ready at ${url}`);
