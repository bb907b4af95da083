import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** Compiled operations kept at once; past this the least recently used is compiled again when next asked. */
const MAX_COMPILED = 1_000;

/**
 * Runs a subgraph's operations through graphql-jit instead of graphql-js's interpreter, under
 * Apollo Server's own parsing, validation, context and error formatting: Apollo Server lets a
 * "gateway" supply the executor, and this one serves a fixed schema. Each operation (by
 * document hash and operation name) is compiled once to a JS function and reused.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new LRUCache<string, CompiledQuery>({ max: MAX_COMPILED });
  const executor: GatewayExecutor = async (request) => {
    const key = `${request.queryHash}\u0000${request.operationName ?? ''}`;
    const variables = request.request.variables ?? {};
    /*
     * A request that fails before any resolver runs (variables that do not coerce, an
     * operation graphql-jit cannot compile) is executed by graphql-js instead: its errors carry
     * the AST nodes Apollo Server reads to answer BAD_USER_INPUT, and no resolver ran twice.
     */
    const interpreted = () =>
      execute({
        schema,
        document: request.document,
        contextValue: request.context,
        variableValues: variables,
        operationName: request.operationName ?? null,
      });
    let query = compiled.get(key);
    if (query === undefined) {
      const made = compileQuery(schema, request.document, request.operationName ?? undefined);
      if (!isCompiledQuery(made)) return interpreted();
      query = made;
      compiled.set(key, query);
    }
    const result = (await query.query(undefined, request.context, variables)) as ExecutionResult;
    return 'data' in result ? withGraphQLErrors(result) : interpreted();
  };
  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}

/**
 * graphql-jit's errors leave `extensions` undefined where graphql-js's are `{}`, and Apollo
 * Server's formatting reads `extensions.code`: each becomes a graphql-js GraphQLError with
 * the same message, path, locations and original error, so error masking sees what it sees
 * under graphql-js (the DomainError a resolver threw, with its code).
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined || result.errors.length === 0) return result;
  const errors = result.errors.map((error) => {
    const copy = new GraphQLError(error.message, {
      ...(error.path ? { path: error.path } : {}),
      ...(error.originalError ? { originalError: error.originalError } : {}),
      ...(error.extensions ? { extensions: error.extensions } : {}),
    });
    // graphql-js computes locations from AST nodes, which graphql-jit has already turned into locations.
    if (error.locations) Object.defineProperty(copy, 'locations', { value: error.locations, enumerable: true });
    return copy;
  });
  return { ...result, errors };
}
