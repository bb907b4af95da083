import { Kind, parse, type OperationDefinitionNode, type TypeNode } from 'graphql';

/** One registered operation as the explorer offers it: ready to open in a tab and run. */
export interface ExplorerExample {
  readonly name: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  /** The operation a run of this example executes: the document's first. */
  readonly operationName: string | undefined;
  /** The registered text, exactly as the gateway's trusted-document manifest holds it. */
  readonly query: string;
  /** A JSON skeleton of the required variables (`""` when there are none), for the variables editor. */
  readonly variables: string;
}

const KIND_ORDER = { query: 0, mutation: 1, subscription: 2 } as const;

/**
 * The registered operations (schema/operations, as the trusted-document manifest holds them)
 * as explorer examples: queries, then mutations, then subscriptions, each by name. A document
 * with several operations is offered once, under its first operation's kind.
 */
export function explorerExamples(
  documents: Iterable<{
    readonly document: string;
    readonly operationNames: readonly string[];
    readonly source: string;
  }>,
): ExplorerExample[] {
  const examples: ExplorerExample[] = [];
  for (const { document, operationNames, source } of documents) {
    const operations = parse(document, { noLocation: true }).definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const first = operations[0];
    if (!first) continue;
    examples.push({
      name: operationNames.join(', ') || source.replace(/\.graphql$/, ''),
      kind: first.operation,
      operationName: first.name?.value,
      query: document,
      variables: variablesSkeleton(first),
    });
  }
  return examples.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name));
}

/** The required variables (non-null, no default) with a placeholder of their type, so a run says what to fill in. */
function variablesSkeleton(operation: OperationDefinitionNode): string {
  const required = (operation.variableDefinitions ?? []).filter(
    (variable) => variable.type.kind === Kind.NON_NULL_TYPE && variable.defaultValue === undefined,
  );
  if (required.length === 0) return '';
  const skeleton = Object.fromEntries(
    required.map((variable) => [variable.variable.name.value, placeholder(variable.type)]),
  );
  return JSON.stringify(skeleton, null, 2);
}

function placeholder(type: TypeNode): unknown {
  switch (type.kind) {
    case Kind.NON_NULL_TYPE:
      return placeholder(type.type);
    case Kind.LIST_TYPE:
      return [];
    case Kind.NAMED_TYPE:
      switch (type.name.value) {
        case 'Int':
        case 'Float':
          return 0;
        case 'Boolean':
          return false;
        case 'ID':
        case 'String':
          return '';
        default:
          // An enum, a custom scalar or an input object: null, so a run names the type to fill in.
          return null;
      }
  }
}
