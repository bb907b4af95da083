import { createHash } from 'node:crypto';

import type { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '@verograph/service';
import {
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

import type { GatewayContext } from '../observability/gatewayContext.ts';

/** A query run through the gateway's own federated executor (query planner, subgraph fetches), as one viewer. */
export interface FederatedQuery {
  readonly document: DocumentNode;
  readonly source: string;
  /** sha256 of `source`: the query-plan cache key, so a derived query is planned once. */
  readonly hash: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: GatewayContext;
}

export interface FederatedExecutor {
  /** The API schema now served; undefined until the supergraph is loaded. */
  schema(): GraphQLSchema | undefined;
  execute(query: FederatedQuery): Promise<ExecutionResult>;
}

export function queryHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/**
 * Runs derived live queries on ApolloGateway's executor directly: the same query planner and
 * subgraph data sources (so the viewer is signed and audience rules apply in the subgraphs),
 * without Apollo Server's per-request plugins, which would log and count every live event as
 * a client request. The subscription itself passed those plugins' limits when it was made.
 */
export function createFederatedExecutor(gateway: ApolloGateway, logger: Logger): FederatedExecutor {
  const noCachePolicy = { restrict() {}, replace() {}, policyIfCacheable: () => null };
  return {
    schema: () => gateway.schema,
    async execute({ document, source, hash, variables, context }) {
      const schema = gateway.schema;
      if (!schema) throw new Error('the supergraph is not loaded yet');
      const operation = document.definitions.find(
        (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
      );
      if (!operation) throw new Error('a derived query has no operation');
      const operationName = operation.name?.value ?? null;
      const requestContext = {
        request: { query: source, variables: { ...variables }, ...(operationName ? { operationName } : {}) },
        document,
        source,
        queryHash: hash,
        operationName,
        operation,
        schema,
        schemaHash: '',
        context,
        logger,
        metrics: {},
        overallCachePolicy: noCachePolicy,
        cache: undefined,
      };
      return gateway.executor(requestContext as unknown as Parameters<ApolloGateway['executor']>[0]);
    },
  };
}
