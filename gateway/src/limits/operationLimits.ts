import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';

import type { GatewayLimits } from '../config.ts';
import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import { aliasCount } from './aliasCount.ts';
import { operationCost } from './operationCost.ts';
import { operationDepth } from './operationDepth.ts';
import { fragmentsOf } from './operationWalk.ts';

/** The limits an operation's document is held to, whatever carries it (HTTP, graphql-ws, SSE). */
export type OperationLimits = Pick<
  GatewayLimits,
  'maxDepth' | 'maxAliases' | 'maxCost' | 'defaultListSize' | 'maxQueryLength'
>;

/** Why an operation is refused before anything runs: a stable code, what to do, and the figures. */
export interface LimitRefusal {
  readonly code: GatewayErrorCode;
  readonly message: string;
  readonly limit: number;
  readonly actual: number;
}

/** GraphQL text longer than `maxQueryLength` is refused before it is parsed. */
export function queryLengthRefusal(
  query: unknown,
  { maxQueryLength }: Pick<OperationLimits, 'maxQueryLength'>,
): LimitRefusal | undefined {
  if (typeof query !== 'string' || query.length <= maxQueryLength) return undefined;
  return {
    code: GatewayErrorCode.QUERY_TOO_LONG,
    message: `The query is ${query.length} characters long; the limit is ${maxQueryLength}. Send a shorter document, or a published operation by its documentId.`,
    limit: maxQueryLength,
    actual: query.length,
  };
}

/**
 * The depth, alias and cost limits, in that order, for queries, mutations and subscriptions
 * alike: the first one the operation is over, or undefined. With `introspection: false` the
 * schema is not walked to price `__schema` (it is refused anyway), so a refused introspection
 * costs the gateway nothing.
 */
export function operationLimitRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  {
    limits,
    variables,
    introspection,
  }: {
    limits: OperationLimits;
    variables: Readonly<Record<string, unknown>> | undefined;
    introspection: boolean;
  },
): LimitRefusal | undefined {
  const { fragments, depth, aliases } = shapeOf(document, operation);
  if (depth > limits.maxDepth) {
    return {
      code: GatewayErrorCode.QUERY_TOO_DEEP,
      message: `The operation nests fields ${depth} levels deep; the limit is ${limits.maxDepth}. Split it into smaller operations.`,
      limit: limits.maxDepth,
      actual: depth,
    };
  }
  if (aliases > limits.maxAliases) {
    return {
      code: GatewayErrorCode.TOO_MANY_ALIASES,
      message: `The operation uses ${aliases} aliases; the limit is ${limits.maxAliases}. Ask for each field once, or split the operation.`,
      limit: limits.maxAliases,
      actual: aliases,
    };
  }
  const cost = operationCost(schema, operation, fragments, {
    defaultListSize: limits.defaultListSize,
    variables,
    introspectionBudget: introspection ? limits.maxCost : 0,
  });
  if (cost > limits.maxCost) {
    // "At least": introspection is counted only until it passes the limit.
    return {
      code: GatewayErrorCode.QUERY_TOO_COMPLEX,
      message: `The operation's cost is at least ${cost}; the limit is ${limits.maxCost}. Ask for fewer items (first) or fewer fields.`,
      limit: limits.maxCost,
      actual: cost,
    };
  }
  return undefined;
}

/**
 * Apollo Server's side of operationLimitRefusal: an operation over a limit is refused with its
 * code (400) once it is resolved, before any subgraph is called. The live transports call
 * operationLimitRefusal themselves for subscriptions (liveService.ts), with the same words.
 */
interface OperationShape {
  readonly fragments: ReturnType<typeof fragmentsOf>;
  readonly depth: number;
  readonly aliases: number;
}

/*
 * Depth and aliases do not depend on the variables: they are counted once per operation node,
 * which Apollo Server hands out again for the same text (cost, which reads `first`, is not kept).
 */
const shapes = new WeakMap<OperationDefinitionNode, OperationShape>();

function shapeOf(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  let shape = shapes.get(operation);
  if (!shape) {
    const fragments = fragmentsOf(document);
    shape = { fragments, depth: operationDepth(operation, fragments), aliases: aliasCount(operation, fragments) };
    shapes.set(operation, shape);
  }
  return shape;
}

export function useOperationLimits({
  limits,
  introspection,
}: {
  limits: OperationLimits;
  introspection: boolean;
}): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          if (!operation) return;
          const refusal = operationLimitRefusal(schema, document, operation, {
            limits,
            variables: request.variables,
            introspection,
          });
          if (refusal) throw limitError(refusal);
        },
      };
    },
  };
}

/** A refusal as the GraphQL error a client reads: code, limit and actual figure in its extensions. */
export function limitError({ code, message, limit, actual }: LimitRefusal) {
  return requestError(code, message, 400, { limit, actual });
}
