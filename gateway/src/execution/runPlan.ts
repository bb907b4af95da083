/**
 * Runs a compiled plan: sequences and parallel groups of fetches, each flattened to the entities
 * it completes, merging every subgraph answer into one in-memory result. A failed fetch is
 * recorded as an error (with the path of what it was fetching) and the plan goes on, as in
 * @apollo/gateway: the response shaping then nulls what could not be completed.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import {
  applyRewrites,
  dataAtPath,
  deepMerge,
  extractRequires,
  hydratedPaths,
  type Data,
  type ResponsePath,
} from './entityData.ts';
import type { FetchStep, Step } from './planProgram.ts';

export interface PlanRun {
  readonly dataSource: (serviceName: string) => GraphQLDataSource | undefined;
  readonly requestContext: GatewayGraphQLRequestContext;
  /** The request's variables as sent (fetches forward these, not coerced values). */
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  /** Default values of the operation's variables, for Condition nodes. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The in-memory result every fetch merges into. */
  readonly root: Data;
  readonly errors: unknown[];
}

const hasOwn = Object.prototype.hasOwnProperty;
// GraphQLDataSourceRequestKind.INCOMING_OPERATION: the enum is not exported by @apollo/gateway's entry point.
const incomingOperation = 'incoming operation' as GraphQLDataSourceProcessOptions['kind'];

export async function runStep(run: PlanRun, step: Step, path: ResponsePath, data: unknown): Promise<void> {
  switch (step.kind) {
    case 'sequence':
      for (const child of step.steps) await runStep(run, child, path, data);
      return;
    case 'parallel': {
      const running: Promise<void>[] = [];
      for (const child of step.steps) running.push(runStep(run, child, path, data));
      await Promise.all(running);
      return;
    }
    case 'flatten': {
      const inner = dataAtPath(data, step.path, 0);
      if (!inner) return;
      await runStep(run, step.step, path.concat(step.path), inner);
      return;
    }
    case 'condition': {
      const branch = conditionHolds(run, step.variable) ? step.ifStep : step.elseStep;
      if (branch) await runStep(run, branch, path, data);
      return;
    }
    case 'fetch':
      try {
        await runFetch(run, step, path, data);
      } catch (error) {
        run.errors.push(error);
      }
      return;
  }
}

function conditionHolds(run: PlanRun, variable: string): boolean {
  let value = run.variables && hasOwn.call(run.variables, variable) ? run.variables[variable] : undefined;
  if (value === undefined) value = run.defaults[variable];
  if (value === undefined) throw new Error(`Missing value for variable $${variable} (and no default found)`);
  if (typeof value !== 'boolean') {
    throw new Error(`Invalid non-boolean value ${String(value)} for Boolean! variable $${variable}`);
  }
  return value;
}

async function runFetch(run: PlanRun, step: FetchStep, path: ResponsePath, data: unknown): Promise<void> {
  const service = run.dataSource(step.serviceName);
  if (!service) throw new Error(`Couldn't find service with name "${step.serviceName}"`);
  const entities: Data[] = [];
  if (Array.isArray(data)) {
    for (const entity of data) if (entity !== null && entity !== undefined) entities.push(entity as Data);
  } else {
    entities.push(data as Data);
  }
  if (entities.length === 0) return;

  const variables: Record<string, unknown> = {};
  const provided = run.variables;
  if (provided) {
    for (const name of step.variableUsages) {
      if (hasOwn.call(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
    }
  }

  if (!step.requires) {
    const received = await send(run, step, path, variables);
    if (received) applyRewrites(step.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  const representations: Data[] = [];
  const entityOf: number[] = [];
  for (let index = 0; index < entities.length; index++) {
    const representation = extractRequires(entities[index], step.requires);
    if (representation && representation.__typename) {
      applyRewrites(step.inputRewrites, representation);
      representations.push(representation);
      entityOf.push(index);
    }
  }
  // None of the entities matches the type conditions of what the fetch requires.
  if (representations.length === 0) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  variables.representations = representations;

  const received = await send(run, step, path, variables);
  if (!received) return;
  const answered = received._entities;
  if (!Array.isArray(answered)) throw new Error(`Expected "data._entities" in response to be an array`);
  if (answered.length !== representations.length) {
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  }
  for (let i = 0; i < answered.length; i++) {
    const entity = entities[entityOf[i]!]!;
    const answer = answered[i] as Data | null;
    if (answer && !answer.__typename) answer.__typename = entity.__typename;
    applyRewrites(step.outputRewrites, answer);
    deepMerge(entity, answer);
  }
}

async function send(
  run: PlanRun,
  step: FetchStep,
  path: ResponsePath,
  variables: Record<string, unknown>,
): Promise<Data | null | undefined> {
  const { requestContext } = run;
  const response = await run.dataSource(step.serviceName)!.process({
    kind: incomingOperation,
    request: { query: step.operation, variables, operationName: step.operationName, http: undefined },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: step.document,
    pathInIncomingRequest: path,
  });
  if (response.errors) {
    let entityPaths: ResponsePath[] | undefined;
    const pathOf = (errorPath: readonly (string | number)[] | undefined): ResponsePath | undefined => {
      if (step.requires && typeof errorPath?.[1] === 'number') {
        if (!entityPaths) {
          entityPaths = [];
          hydratedPaths([], path, run.root, entityPaths);
        }
        return [...(entityPaths[errorPath[1]] ?? []), ...errorPath.slice(2)];
      }
      return errorPath ? [...path, ...errorPath] : undefined;
    };
    for (const error of response.errors) run.errors.push(downstreamError(error, step.serviceName, pathOf));
    if (!response.extensions?.ftv1) {
      const metrics = requestContext.metrics as
        { nonFtv1ErrorPaths?: { subgraph: string; path: unknown }[] } | undefined;
      if (metrics) {
        const paths = response.errors.map((error) => ({ subgraph: step.serviceName, path: error.path }));
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
        else metrics.nonFtv1ErrorPaths = paths;
      }
    }
  }
  return response.data as Data | null | undefined;
}

/** A subgraph's error as the client sees it: at its path in the whole response, naming the subgraph, with a code. */
function downstreamError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => ResponsePath | undefined,
): GraphQLError {
  const extensions: Record<string, unknown> = { ...original.extensions, serviceName };
  // Federation's own codes are kept, so is any other code; an error without one is DOWNSTREAM_SERVICE_ERROR.
  if (!extensions.code) extensions.code = 'DOWNSTREAM_SERVICE_ERROR';
  return new GraphQLError(original.message || `Error while fetching subquery from service "${serviceName}"`, {
    originalError: original as Error,
    path: pathOf(original.path),
    extensions,
  });
}
