import {
  getArgumentValues,
  getNamedType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

import type { Fragments } from './operationWalk.ts';

/**
 * What an introspection root (`__schema` or `__type`) costs: 1 for each field resolved on each
 * object of the answer, `__typename` included, found by walking the schema with graphql-js's
 * own introspection resolvers, without building the answer. Not an estimate: introspection is
 * answered from the schema in memory, so this is its real work, and an answer that multiplies
 * (`fields { type { fields { type … } } }`, or the whole schema asked for many times under
 * aliases) costs what it would return. The standard introspection query costs about 3,200 on
 * today's API schema (publishedOperations.unit.spec.ts keeps it under the default limit).
 *
 * Counting stops once the total passes `stopAbove`, so the walk itself costs no more than the
 * limit it checks; the result is then a lower bound, already over the limit.
 */
export function introspectionCost(
  schema: GraphQLSchema,
  root: FieldNode,
  fragments: Fragments,
  variables: Readonly<Record<string, unknown>> | undefined,
  stopAbove: number,
): number {
  const info = { schema } as GraphQLResolveInfo;
  const visiting = new Set<string>();
  let total = 0;

  const resolve = (definition: GraphQLField<unknown, unknown>, source: unknown, node: FieldNode): unknown => {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, node, variables);
    } catch {
      // Bad variables are refused before execution (BAD_USER_INPUT); price the defaults meanwhile.
      args = {};
    }
    if (definition.resolve) return definition.resolve(source, args, undefined, info);
    return (source as Record<string, unknown> | null)?.[definition.name];
  };

  const fieldCost = (definition: GraphQLField<unknown, unknown>, node: FieldNode, source: unknown): void => {
    total += 1;
    if (!node.selectionSet) return;
    const type = getNamedType(definition.type);
    if (!isObjectType(type)) return;
    const value = resolve(definition, source, node);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (total > stopAbove) return;
      if (item !== null && item !== undefined) walk(node.selectionSet, type, item);
    }
  };

  const walk = (selectionSet: SelectionSetNode, type: GraphQLObjectType, source: unknown): void => {
    for (const selection of selectionSet.selections) {
      if (total > stopAbove) return;
      switch (selection.kind) {
        case Kind.FIELD: {
          if (selection.name.value === '__typename') {
            total += 1;
            break;
          }
          const definition = type.getFields()[selection.name.value];
          if (definition) fieldCost(definition, selection, source);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          // Introspection types are object types: a fragment on any other type never applies.
          if (!selection.typeCondition || selection.typeCondition.name.value === type.name) {
            walk(selection.selectionSet, type, source);
          }
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || visiting.has(name) || fragment.typeCondition.name.value !== type.name) break;
          visiting.add(name);
          walk(fragment.selectionSet, type, source);
          visiting.delete(name);
          break;
        }
      }
    }
  };

  const definition = root.name.value === '__schema' ? SchemaMetaFieldDef : TypeMetaFieldDef;
  fieldCost(definition, root, undefined);
  return total;
}
