/**
 * The gateway's own executor under Apollo's query planner: plans still come from
 * @apollo/gateway's QueryPlanner over the loaded supergraph; running them and shaping the response
 * are ours (runPlan.ts, shapeResponse.ts), compiled once per operation and cached by query hash and
 * operation name. What ours does not run (plans with @defer, subscriptions or @fromContext
 * rewrites, and requests that capture Studio traces) goes to Apollo's executor, named `fallback`.
 */
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { operationFromDocument } from '@apollo/federation-internals';
import type { QueryPlanner } from '@apollo/query-planner';
import {
  executeSync,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

import { compileOperationShape, type FieldShape, type OperationShape } from './operationShape.ts';
import { compilePlan, unsupportedByOwnExecutor, type Step } from './planProgram.ts';
import { runStep, type PlanRun } from './runPlan.ts';
import { shapeResponse } from './shapeResponse.ts';
import type { Data } from './entityData.ts';

export type GatewayExecutor = ApolloGateway['executor'];
export type GatewayRequestContext = Parameters<GatewayExecutor>[0];
export type GatewayResult = Awaited<ReturnType<GatewayExecutor>>;

export interface OwnExecutorOptions {
  /** The query planner of the supergraph now served (Apollo's; replaced on every supergraph update). */
  readonly planner: () => QueryPlanner | undefined;
  /** The data source of a subgraph, by name: the same ones Apollo's executor uses. */
  readonly dataSource: (serviceName: string) => GraphQLDataSource | undefined;
  /** Apollo's executor, for what ours leaves to it. */
  readonly fallback: GatewayExecutor;
  /** How many compiled operations to keep (the oldest goes first). */
  readonly maxOperations?: number;
}

interface CompiledOperation {
  readonly operation: OperationDefinitionNode;
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** Undefined when Apollo's executor runs this plan. */
  readonly steps: Step | undefined;
  readonly runsOnFallback: boolean;
  readonly shape: OperationShape;
}

export function createOwnExecutor(options: OwnExecutorOptions): GatewayExecutor {
  const maxOperations = options.maxOperations ?? 1000;
  const compiled = new Map<string, CompiledOperation>();
  let compiledFor: QueryPlanner | undefined;
  const supergraphSchemas = new WeakMap<QueryPlanner, GraphQLSchema>();
  const disabled = {
    recursiveSelectionsLimitDisabled: process.env.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK === 'true',
    nonLocalSelectionsLimitDisabled: process.env.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK === 'true',
  };

  const compile = (planner: QueryPlanner, requestContext: GatewayRequestContext): CompiledOperation => {
    const operationName = requestContext.request.operationName ?? undefined;
    const { operation, fragments } = operationOf(requestContext, operationName);
    const plan = planner.buildQueryPlan(
      operationFromDocument(planner.supergraph.apiSchema(), requestContext.document, { operationName }),
      disabled,
    );
    const shape = compileOperationShape(requestContext.schema, operation, fragments);
    if (unsupportedByOwnExecutor(plan)) return { operation, fragments, steps: undefined, runsOnFallback: true, shape };
    let supergraph = supergraphSchemas.get(planner);
    if (!supergraph) {
      supergraph = planner.supergraph.schema.toGraphQLJSSchema();
      supergraphSchemas.set(planner, supergraph);
    }
    return { operation, fragments, steps: compilePlan(plan, supergraph), runsOnFallback: false, shape };
  };

  return async (requestContext) => {
    const planner = options.planner();
    if (!planner) throw new Error('the supergraph is not loaded yet');
    if (planner !== compiledFor) {
      // A new supergraph: plans and shapes of the previous one may no longer hold.
      compiled.clear();
      compiledFor = planner;
    }
    const { request, queryHash } = requestContext;
    const key = request.operationName ? `${queryHash}\n${request.operationName}` : queryHash;
    let entry = compiled.get(key);
    if (!entry) {
      entry = compile(planner, requestContext);
      if (compiled.size >= maxOperations) compiled.delete(compiled.keys().next().value as string);
      compiled.set(key, entry);
    }

    const definitions = entry.operation.variableDefinitions;
    if (definitions) {
      const { errors } = getVariableValues(requestContext.schema, definitions, request.variables ?? {});
      if (errors) return { errors };
    }
    if (entry.runsOnFallback || (requestContext.metrics as { captureTraces?: boolean } | undefined)?.captureTraces) {
      return options.fallback(requestContext);
    }

    const root: Data = {};
    const run: PlanRun = {
      dataSource: options.dataSource,
      requestContext,
      variables: request.variables,
      defaults: entry.shape.defaultedVariables,
      root,
      errors: [],
    };
    if (entry.steps) await runStep(run, entry.steps, [], root);

    const { shape, operation, fragments } = entry;
    const variables = shape.hasDefaults
      ? { ...shape.defaultedVariables, ...request.variables }
      : (request.variables ?? {});
    let shaped;
    try {
      shaped = shapeResponse(root, {
        shape,
        variables,
        introspect: (field) => introspect(requestContext.schema, operation, fragments, field, request.variables),
      });
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
      return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
    }
    const errors = run.errors as GraphQLError[];
    // As @apollo/gateway: completion errors caused by a failed fetch are not reported twice; with
    // no fetch error they go to extensions.valueCompletion (useValueCompletionErrors moves them).
    if (errors.length === 0 && shaped.errors.length > 0) {
      return { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
    }
    return errors.length === 0 ? { data: shaped.data } : { errors, data: shaped.data };
  };
}

function operationOf(
  requestContext: GatewayRequestContext,
  operationName: string | undefined,
): { operation: OperationDefinitionNode; fragments: Record<string, FragmentDefinitionNode> } {
  let operation: OperationDefinitionNode | undefined;
  let operations = 0;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<
    string,
    FragmentDefinitionNode
  >;
  for (const definition of requestContext.document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations++;
      if (!operationName && operations > 1) {
        throw invalid('Must provide operation name if query contains multiple operations.');
      }
      if (!operationName || definition.name?.value === operationName) operation = definition;
    } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments[definition.name.value] = definition;
    }
  }
  if (!operation)
    throw invalid(operationName ? `Unknown operation named "${operationName}".` : 'Must provide an operation.');
  return { operation, fragments };
}

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'INVALID_GRAPHQL' } });
}

/**
 * __schema and __type are answered by graphql-js over the API schema, never by a subgraph: every
 * root selection of that response name together, as they merge into one field.
 */
function introspect(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  field: FieldShape,
  variables: Readonly<Record<string, unknown>> | undefined,
): unknown {
  const nodes: FieldNode[] = [];
  const collect = (selections: OperationDefinitionNode['selectionSet']['selections']): void => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias?.value ?? selection.name.value) === field.responseName) nodes.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet.selections);
      } else {
        const fragment = fragments[selection.name.value];
        if (fragment) collect(fragment.selectionSet.selections);
      }
    }
  };
  collect(operation.selectionSet.selections);
  const { data, errors } = executeSync({
    schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          variableDefinitions: operation.variableDefinitions ?? [],
          selectionSet: { kind: Kind.SELECTION_SET, selections: nodes },
        },
        ...Object.values(fragments),
      ],
    },
    rootValue: {},
    variableValues: variables ?? {},
  });
  if (errors?.length || !data)
    throw new Error(`Introspection of ${field.responseName} failed: ${JSON.stringify(errors)}`);
  return Object.prototype.hasOwnProperty.call(data, field.responseName) ? data[field.responseName] : undefined;
}
