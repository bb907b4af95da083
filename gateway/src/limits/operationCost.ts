import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLArgument,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

import { introspectionCost } from './introspectionCost.ts';
import { isIntrospectionRoot, type Fragments } from './operationWalk.ts';

export interface CostOptions {
  /** What a list costs when nothing says how long it is (no `first`, or `first` without a value). */
  readonly defaultListSize: number;
  readonly variables?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Introspection is counted by walking the schema (introspectionCost.ts); that walk stops once
   * the operation's introspection passes this: the limit being checked, or 0 when introspection
   * is refused anyway. Unbounded when not given.
   */
  readonly introspectionBudget?: number;
}

/**
 * A static estimate of how much work an operation asks for, before anything runs. Each field
 * costs 1. A field with a `first` argument multiplies what it selects by `first` (the value
 * given, else the argument's default, else `defaultListSize`); the list directly under it
 * (a connection's `edges`) is already paid for. Any other list of objects multiplies by
 * `defaultListSize`. A selection on a union or interface costs its most expensive type
 * branch, not the sum of its branches: an answer holds one object type per item, so the
 * selection is priced once for each possible object type, with the fields and fragments that
 * apply to that type, and the dearest one counts, as common static cost analysers price
 * abstract types (graphql-query-complexity; the static analysis of IBM's GraphQL Cost Directives
 * specification). `__schema` and `__type` cost what they resolve (introspectionCost.ts).
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  options: CostOptions,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const variableDefaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue,
    ]),
  );
  const visiting = new Set<string>();
  const introspectionBudget = options.introspectionBudget ?? Number.POSITIVE_INFINITY;
  let introspectionSpent = 0;

  const literal = (value: ValueNode | undefined): unknown => {
    if (!value) return undefined;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.NULL) return null;
    if (value.kind === Kind.VARIABLE) {
      const given = options.variables?.[value.name.value];
      return given !== undefined ? given : literal(variableDefaults.get(value.name.value) ?? undefined);
    }
    return undefined;
  };

  const listSize = (field: FieldNode, first: GraphQLArgument): number => {
    const given = literal(field.arguments?.find((argument) => argument.name.value === 'first')?.value);
    const value = given !== undefined && given !== null ? given : first.defaultValue;
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : options.defaultListSize;
  };

  /** Whether a fragment's type condition holds for an object of type `object`. */
  const applies = (condition: NamedTypeNode | undefined, object: GraphQLObjectType): boolean => {
    if (!condition || condition.name.value === object.name) return true;
    const type = schema.getType(condition.name.value);
    return type !== undefined && isAbstractType(type) && schema.isSubType(type, object);
  };

  /** Each selection set is priced once per (object type, paginated or not): branches and spreads reuse it. */
  const priced = new WeakMap<SelectionSetNode, Map<string, number>>();

  /** A selection set on any type: an abstract one costs its dearest possible object type. */
  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, underPaginatedField: boolean): number => {
    if (isObjectType(parent)) return costOn(selectionSet, parent, underPaginatedField);
    if (!isAbstractType(parent)) return 0;
    let dearest = 0;
    for (const object of schema.getPossibleTypes(parent)) {
      dearest = Math.max(dearest, costOn(selectionSet, object, underPaginatedField));
    }
    return dearest;
  };

  /** A selection set as it runs on one object type: what applies to that type, summed. */
  const costOn = (selectionSet: SelectionSetNode, object: GraphQLObjectType, underPaginatedField: boolean): number => {
    const key = `${object.name}\u0000${underPaginatedField}`;
    let byType = priced.get(selectionSet);
    const known = byType?.get(key);
    if (known !== undefined) return known;
    let total = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          if (isIntrospectionRoot(selection.name.value) && object === schema.getQueryType()) {
            const cost = introspectionCost(
              schema,
              selection,
              fragments,
              options.variables,
              introspectionBudget - introspectionSpent,
            );
            introspectionSpent += cost;
            total += cost;
            break;
          }
          // __typename is free: no resolver, no subgraph.
          if (selection.name.value.startsWith('__')) break;
          const definition = object.getFields()[selection.name.value];
          if (!definition) break;
          total += 1;
          if (!selection.selectionSet) break;
          const first = definition.args.find((argument) => argument.name === 'first');
          const factor = first
            ? listSize(selection, first)
            : isListType(getNullableType(definition.type)) && !underPaginatedField
              ? options.defaultListSize
              : 1;
          total += factor * costOf(selection.selectionSet, getNamedType(definition.type), first !== undefined);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (applies(selection.typeCondition, object)) {
            total += costOn(selection.selectionSet, object, underPaginatedField);
          }
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Unknown and cyclic spreads are validation errors; they add nothing here.
          if (!fragment || visiting.has(name) || !applies(fragment.typeCondition, object)) break;
          visiting.add(name);
          total += costOn(fragment.selectionSet, object, underPaginatedField);
          visiting.delete(name);
          break;
        }
      }
    }
    if (!byType) priced.set(selectionSet, (byType = new Map()));
    byType.set(key, total);
    return total;
  };
  return costOf(operation.selectionSet, root, false);
}
