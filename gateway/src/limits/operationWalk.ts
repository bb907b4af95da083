import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

/** The document's fragments by name: spreads are followed through this. */
export type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

export function fragmentsOf(document: DocumentNode): Fragments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The operation a request runs: the named one, or the only one. */
export function operationOf(
  document: DocumentNode,
  operationName?: string | null,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) return operations.find((operation) => operation.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * `__schema` and `__type`: the roots of introspection, switched on or off as a whole
 * (GATEWAY_INTROSPECTION) and, when on, counted against the depth, alias and cost limits
 * like any other selection (see introspectionCost.ts).
 */
export function isIntrospectionRoot(fieldName: string): boolean {
  return fieldName === '__schema' || fieldName === '__type';
}
