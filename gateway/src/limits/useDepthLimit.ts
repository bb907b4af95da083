import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import { fragmentsOf, isIntrospectionRoot, type Fragments } from './operationWalk.ts';

/**
 * How deeply an operation nests fields, following fragment spreads; `__typename` adds no
 * level. Each fragment is measured once, so a document that spreads fragments into each
 * other many times costs linear time to measure.
 */
export function operationDepth(operation: OperationDefinitionNode, fragments: Fragments): number {
  const fragmentDepth = new Map<string, number>();
  const visiting = new Set<string>();

  const depthOf = (selectionSet: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name === '__typename' || isIntrospectionRoot(name)) break;
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0));
          break;
        }
        case Kind.INLINE_FRAGMENT:
          deepest = Math.max(deepest, depthOf(selection.selectionSet));
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          let depth = fragmentDepth.get(name);
          if (depth === undefined) {
            const fragment = fragments.get(name);
            // Unknown and cyclic spreads are validation errors; they add nothing here.
            if (!fragment || visiting.has(name)) break;
            visiting.add(name);
            depth = depthOf(fragment.selectionSet);
            visiting.delete(name);
            fragmentDepth.set(name, depth);
          }
          deepest = Math.max(deepest, depth);
          break;
        }
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet);
}

/** Refuses an operation nested deeper than `maxDepth` with QUERY_TOO_DEEP, before any subgraph is called. */
export function useDepthLimit({ maxDepth }: { maxDepth: number }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          const depth = operationDepth(operation, fragmentsOf(document));
          if (depth > maxDepth) {
            throw requestError(
              GatewayErrorCode.QUERY_TOO_DEEP,
              `The operation nests fields ${depth} levels deep; the limit is ${maxDepth}. Split it into smaller operations.`,
              400,
              { limit: maxDepth, actual: depth },
            );
          }
        },
      };
    },
  };
}
