import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

import { isIntrospectionRoot, type Fragments } from './operationWalk.ts';

/**
 * How deeply an operation nests fields, following fragment spreads; `__typename` adds no
 * level, and neither does introspection's `ofType`: it unwraps a type reference (`[Post!]!`),
 * as deep as the schema's wrapping and no deeper, and the standard introspection query nests
 * it nine times. Introspection is measured like any other selection otherwise. Each fragment
 * is measured once, so a document that spreads fragments into each other many times costs
 * linear time to measure.
 */
export function operationDepth(operation: OperationDefinitionNode, fragments: Fragments): number {
  const fragmentDepth = new Map<string, number>();
  const visiting = new Set<string>();

  const depthOf = (selectionSet: SelectionSetNode, insideIntrospection: boolean): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name === '__typename') break;
          const level = name === 'ofType' && insideIntrospection ? 0 : 1;
          const inside = insideIntrospection || isIntrospectionRoot(name);
          deepest = Math.max(deepest, level + (selection.selectionSet ? depthOf(selection.selectionSet, inside) : 0));
          break;
        }
        case Kind.INLINE_FRAGMENT:
          deepest = Math.max(deepest, depthOf(selection.selectionSet, insideIntrospection));
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const key = `${name}\u0000${insideIntrospection}`;
          let depth = fragmentDepth.get(key);
          if (depth === undefined) {
            const fragment = fragments.get(name);
            // Unknown and cyclic spreads are validation errors; they add nothing here.
            if (!fragment || visiting.has(name)) break;
            visiting.add(name);
            depth = depthOf(fragment.selectionSet, insideIntrospection);
            visiting.delete(name);
            fragmentDepth.set(key, depth);
          }
          deepest = Math.max(deepest, depth);
          break;
        }
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet, false);
}
