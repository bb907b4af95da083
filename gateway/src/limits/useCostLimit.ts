import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLArgument,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import { introspectionCost } from './introspectionCost.ts';
import { fragmentsOf, isIntrospectionRoot, type Fragments } from './operationWalk.ts';

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
 * `defaultListSize`. Both branches of a union or interface are counted: an upper bound.
 * `__schema` and `__type` cost what they resolve (introspectionCost.ts).
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
  const perFragment = new Map<string, number>();
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

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, underPaginatedField: boolean): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          if (isIntrospectionRoot(selection.name.value) && parent === schema.getQueryType()) {
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
          if (!isObjectType(parent) && !isInterfaceType(parent)) break;
          const definition = parent.getFields()[selection.name.value];
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
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          total += costOf(selection.selectionSet, type ?? parent, underPaginatedField);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const key = `${name}\u0000${underPaginatedField}`;
          let cost = perFragment.get(key);
          if (cost === undefined) {
            const fragment = fragments.get(name);
            if (!fragment || visiting.has(name)) break;
            visiting.add(name);
            const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
            cost = costOf(fragment.selectionSet, type, underPaginatedField);
            visiting.delete(name);
            perFragment.set(key, cost);
          }
          total += cost;
          break;
        }
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, false);
}

/**
 * Refuses an operation whose static cost exceeds `maxCost` with QUERY_TOO_COMPLEX, before any
 * subgraph is called. With `introspection: false` (useIntrospectionSwitch refuses it anyway) the
 * schema is not walked to price it: a refused `__schema` costs the gateway nothing.
 */
export function useCostLimit({
  maxCost,
  defaultListSize,
  introspection = true,
}: {
  maxCost: number;
  defaultListSize: number;
  introspection?: boolean;
}): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          if (!operation) return;
          const cost = operationCost(schema, operation, fragmentsOf(document), {
            defaultListSize,
            variables: request.variables,
            introspectionBudget: introspection ? maxCost : 0,
          });
          if (cost > maxCost) {
            // "At least": introspection is counted only until it passes the limit.
            throw requestError(
              GatewayErrorCode.QUERY_TOO_COMPLEX,
              `The operation's cost is at least ${cost}; the limit is ${maxCost}. Ask for fewer items (first) or fewer fields.`,
              400,
              { limit: maxCost, actual: cost },
            );
          }
        },
      };
    },
  };
}
