import type { Fetcher, FetcherOpts, FetcherParams } from '@graphiql/toolkit';
import { buildSchema, GraphQLError, introspectionFromSchema, Kind, parse, type ExecutionResult } from 'graphql';

/**
 * The name the explorer gives GraphiQL's schema request, so that only GraphiQL's own request is
 * answered from the published schema; an introspection query typed by the user still goes to
 * the gateway, which answers it or says introspection is off.
 */
export const SCHEMA_QUERY_NAME = 'VerographExplorerSchema';

/**
 * GraphiQL learns the schema (docs, autocomplete, validation) from the gateway's published API
 * schema at `schemaUrl` rather than by introspection, so the explorer works the same where
 * introspection is off (production). The request carries the header editor's headers: where
 * introspection is off the gateway shows the schema to signed-in clients only.
 */
export function withPublishedSchema(fetcher: Fetcher, schemaUrl: string): Fetcher {
  return (params: FetcherParams, options?: FetcherOpts) =>
    params.operationName === SCHEMA_QUERY_NAME
      ? loadPublishedSchema(schemaUrl, options?.headers)
      : fetcher(params, options);
}

async function loadPublishedSchema(url: string, headers: Record<string, unknown> = {}): Promise<ExecutionResult> {
  const sent: Record<string, string> = { accept: 'text/plain' };
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') sent[name] = value;
  let response: Response;
  try {
    response = await fetch(url, { headers: sent });
  } catch (error) {
    return failed(`The schema could not be loaded from ${url}: ${String(error)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    // The gateway says why (e.g. UNAUTHENTICATED where introspection is off): show its words.
    try {
      const { errors } = JSON.parse(text) as { errors: { message: string; extensions?: Record<string, unknown> }[] };
      return { errors: errors.map(({ message, extensions }) => new GraphQLError(message, { extensions })) };
    } catch {
      return failed(`The schema could not be loaded from ${url}: HTTP ${response.status}`);
    }
  }
  const { __schema } = introspectionFromSchema(buildSchema(text));
  return { data: { __schema } };
}

function failed(message: string): ExecutionResult {
  return { errors: [new GraphQLError(message)] };
}

/**
 * GraphiQL hands the fetcher the document it parsed from the editor after a pause, so a run right
 * after the editor changed (a new tab, an operation opened from the sidebar) carries the previous
 * document or none, and a subscription went out as a plain HTTP request. The fetcher is given the
 * document of the text it is asked to run instead, and the name of its only operation when none
 * is given, so it picks graphql-ws for a subscription whatever GraphiQL had parsed.
 */
export function withDocumentOfQuery(fetcher: Fetcher): Fetcher {
  return (params: FetcherParams, options?: FetcherOpts) => {
    let documentAST;
    try {
      documentAST = parse(params.query);
    } catch {
      // The gateway says what is wrong with it.
      return fetcher(params, options);
    }
    const operations = documentAST.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    const only = operations.length === 1 ? operations[0]?.name?.value : undefined;
    const operationName = params.operationName ?? only;
    return fetcher(operationName ? { ...params, operationName } : params, { ...options, documentAST });
  };
}
