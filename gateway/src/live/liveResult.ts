import {
  buildSchema,
  execute,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';

import { LATEST_KEY } from './livePlan.ts';

/** The event's own fields, as the client contract names them, and the derived data for the federated keys. */
export interface LiveEventSource {
  readonly fields: Readonly<Record<string, unknown>>;
  /** The derived query's data: one entry per `post` / `latestComment` response key (null when not visible). */
  readonly derived: Readonly<Record<string, unknown>> | null;
}

const LIVE_TYPES = new Set(['FeedUpdate', 'PostEngagement', 'NotificationReceived']);

/**
 * Reads our own objects by field name, and the derived (already federated) data by response
 * key, since the derived query kept the client's aliases.
 */
const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) => {
  if (info.parentType.name === 'Subscription') return source;
  if (LIVE_TYPES.has(info.parentType.name)) {
    const event = source as LiveEventSource;
    if (info.fieldName === 'post' || info.fieldName === 'actor') return event.derived?.[info.path.key] ?? null;
    if (info.fieldName === 'latestComment') {
      const post = event.derived?.[info.path.key] as
        { [LATEST_KEY]?: { edges?: { node?: unknown }[] } } | null | undefined;
      return post?.[LATEST_KEY]?.edges?.[0]?.node ?? null;
    }
    return event.fields[info.fieldName];
  }
  return (source as Record<string, unknown> | null)?.[info.path.key];
};

/**
 * The API schema's fields must have no resolvers of their own, or `fieldResolver` is bypassed;
 * but Apollo Server wraps every field of the schema it serves (its cache-control plugin hooks
 * `willResolveField`) once it has executed a first HTTP operation. So events are executed on a
 * private copy of the schema, built once per supergraph from its printed SDL.
 */
const privateSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
function privateCopy(schema: GraphQLSchema): GraphQLSchema {
  let copy = privateSchemas.get(schema);
  if (!copy) {
    copy = buildSchema(printSchema(schema));
    privateSchemas.set(schema, copy);
  }
  return copy;
}

/**
 * The client's own subscription document executed over one event: the event's fields plus the
 * derived data, so every alias, fragment and directive the client wrote shapes the result
 * exactly as a query's would.
 */
export function liveResult(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>>,
  source: LiveEventSource,
): ExecutionResult {
  return execute({
    schema: privateCopy(schema),
    document,
    operationName,
    variableValues: variables,
    rootValue: source,
    fieldResolver,
  }) as ExecutionResult;
}
