/**
 * One gateway of `npm run bench -- gateway` other than ours, as its own process:
 * `stock` (@apollo/gateway behind @apollo/server's standalone server, defaults), `hive`
 * (@graphql-hive/gateway's runtime, defaults) and `hive-nodedup` (the same with its subgraph
 * request deduplication off); and `subgraphs`, the in-memory subgraphs they all route to. Reads
 * BENCH_SUPERGRAPH (a file) and BENCH_PORT; prints "ready at".
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

import { serveBenchSubgraphs } from './gatewaySubgraphs.ts';

interface HiveRuntimeModule {
  createGatewayRuntime(config: Record<string, unknown>): Parameters<typeof createServer>[1];
}

const target = process.argv[2];
const port = Number(process.env.BENCH_PORT);
const supergraph = target === 'subgraphs' ? '' : readFileSync(process.env.BENCH_SUPERGRAPH ?? '', 'utf8');

switch (target) {
  case 'subgraphs': {
    const { url } = await serveBenchSubgraphs(port);
    console.log(`subgraphs ready at ${url}`);
    break;
  }
  case 'stock': {
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: supergraph }) });
    const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
    console.log(`stock ready at ${url}`);
    break;
  }
  case 'hive':
  case 'hive-nodedup': {
    // `as string`: TypeScript does not follow the import, since @graphql-hive/gateway's declarations
    // reference the DOM library, which would retype fetch's streams in the whole type check.
    const { createGatewayRuntime } = (await import('@graphql-hive/gateway' as string)) as HiveRuntimeModule;
    const runtime = createGatewayRuntime({
      supergraph,
      logging: false,
      ...(target === 'hive-nodedup'
        ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }
        : {}),
    });
    const server = createServer(runtime);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    console.log(`${target} ready at http://127.0.0.1:${port}/graphql`);
    break;
  }
  default:
    console.error(`unknown gateway "${target}": stock, hive or hive-nodedup`);
    process.exit(2);
}
