/**
 * Apollo's executor and ours over the same ApolloGateway (same supergraph, planner and data
 * sources), for specs that run one request through both and compare what a client would receive.
 */
import { createHash } from 'node:crypto';

import { composeServices } from '@apollo/composition';
import { ApolloGateway, LocalGraphQLDataSource, type GraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  Kind,
  parse,
  validate,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

import {
  createOwnExecutor,
  type GatewayExecutor,
  type GatewayRequestContext,
  type GatewayResult,
} from '../ownExecutor.ts';

export interface PairSubgraph {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers?: Record<string, Record<string, unknown>>;
  /** Answers instead of executing the schema: raw JSON as a subgraph could send it (invalid values, odd keys). */
  readonly respond?: (request: { query: string; variables: Record<string, unknown> }) => unknown;
}

export interface ExecutorPair {
  readonly apollo: GatewayExecutor;
  readonly own: GatewayExecutor;
  readonly schema: GraphQLSchema;
  /** Every request each subgraph received, in order, as sent. */
  readonly sent: { subgraph: string; query: string; variables: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/** What a client sees of a result: JSON text, with each error as graphql-js formats it. */
export interface Observed {
  readonly data: string;
  /** Sorted: fetches in parallel may fail in either order. */
  readonly errors: string[];
  readonly extensions: string;
}

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

export async function createExecutorPair(subgraphs: readonly PairSubgraph[]): Promise<ExecutorPair> {
  const composed = composeServices(
    subgraphs.map(({ name, typeDefs }) => ({ name, typeDefs: parse(typeDefs), url: `http://${name}.test/graphql` })),
  );
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  const sent: ExecutorPair['sent'] = [];
  const sources = new Map<string, GraphQLDataSource>();
  for (const subgraph of subgraphs) {
    const local = new LocalGraphQLDataSource(
      buildSubgraphSchema({
        typeDefs: parse(subgraph.typeDefs),
        resolvers: subgraph.resolvers ?? {},
      } as Parameters<typeof buildSubgraphSchema>[0]),
    );
    sources.set(subgraph.name, {
      async process(options) {
        const request = options.request as { query: string; variables?: Record<string, unknown> };
        // A copy: both executors must send the same thing, and neither may change it afterwards.
        const variables = JSON.parse(JSON.stringify(request.variables ?? {})) as Record<string, unknown>;
        sent.push({ subgraph: subgraph.name, query: request.query, variables });
        if (subgraph.respond) {
          const answer = subgraph.respond({ query: request.query, variables });
          if (answer instanceof Error) throw answer;
          return JSON.parse(JSON.stringify(answer)) as Awaited<ReturnType<GraphQLDataSource['process']>>;
        }
        return local.process(options);
      },
    });
  }
  return pairOver(composed.supergraphSdl, sources, sent);
}

/** Both executors over a supergraph and the given data sources (e.g. the gateway's own, to real subgraphs). */
export async function pairOver(
  supergraphSdl: string,
  sources: ReadonlyMap<string, GraphQLDataSource>,
  sent: ExecutorPair['sent'] = [],
): Promise<ExecutorPair> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const source = sources.get(name);
      if (!source) throw new Error(`no data source for subgraph ${name}`);
      return source;
    },
    logger: quietLogger,
  });
  const { schema, executor } = await gateway.load();
  const own = createOwnExecutor({
    planner: () => gateway.__testing().queryPlanner,
    dataSource: (name) => sources.get(name),
    fallback: executor,
  });
  return { apollo: executor, own, schema, sent, stop: () => gateway.stop() };
}

/** Runs `query` as Apollo Server would hand it to a gateway executor (after parsing and validating it). */
export async function execute(
  pair: ExecutorPair,
  executor: GatewayExecutor,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
  context: object = {},
): Promise<GatewayResult> {
  const document = parse(query);
  const invalid = validate(pair.schema, document);
  if (invalid.length > 0) throw new Error(`invalid test operation: ${invalid.map((e) => e.message).join('; ')}`);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
  );
  const requestContext = {
    request: { query, variables, ...(operationName ? { operationName } : {}) },
    document,
    source: query,
    queryHash: createHash('sha256').update(query).digest('hex'),
    operationName: operation?.name?.value ?? null,
    operation,
    schema: pair.schema,
    schemaHash: '',
    context,
    logger: quietLogger,
    metrics: {},
    overallCachePolicy: { restrict() {}, replace() {}, policyIfCacheable: () => null },
    cache: undefined,
  };
  return executor(requestContext as unknown as GatewayRequestContext);
}

export function observe(result: GatewayResult): Observed {
  const format = (error: unknown): string => {
    const formatted = (
      error !== null && typeof error === 'object' && 'toJSON' in error && typeof error.toJSON === 'function'
        ? error.toJSON()
        : { message: (error as Error).message }
    ) as GraphQLFormattedError;
    return JSON.stringify(formatted);
  };
  const extensions = result.extensions
    ? Object.fromEntries(
        Object.entries(result.extensions).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.map((v) => JSON.parse(format(v)) as unknown) : value,
        ]),
      )
    : undefined;
  return {
    data: JSON.stringify(result.data),
    errors: (result.errors ?? []).map(format).sort(),
    extensions: JSON.stringify(extensions),
  };
}

/** Runs one request through both executors; returns what each made of it, and what the subgraphs were sent by each. */
export async function runBoth(
  pair: ExecutorPair,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
  context: () => object = () => ({}),
): Promise<{ apollo: Observed; own: Observed; sentByApollo: string[]; sentByOwn: string[] }> {
  pair.sent.length = 0;
  const apollo = observe(await execute(pair, pair.apollo, query, variables, operationName, context()));
  const sentByApollo = pair.sent.map((s) => JSON.stringify(s)).sort();
  pair.sent.length = 0;
  const own = observe(await execute(pair, pair.own, query, variables, operationName, context()));
  const sentByOwn = pair.sent.map((s) => JSON.stringify(s)).sort();
  return { apollo, own, sentByApollo, sentByOwn };
}
