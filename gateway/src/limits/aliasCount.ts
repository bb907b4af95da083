import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

import type { Fragments } from './operationWalk.ts';

/**
 * How many aliased fields an operation asks for once its fragments are spread: a fragment
 * with 10 aliases spread 5 times counts 50, since that is what the subgraphs would resolve.
 * Introspection counts too: aliases are the only way to ask for `__schema` more than once.
 */
export function aliasCount(operation: OperationDefinitionNode, fragments: Fragments): number {
  const perFragment = new Map<string, number>();
  const visiting = new Set<string>();

  const countIn = (selectionSet: SelectionSetNode): number => {
    let count = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (selection.alias) count += 1;
          if (selection.selectionSet) count += countIn(selection.selectionSet);
          break;
        case Kind.INLINE_FRAGMENT:
          count += countIn(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          let inFragment = perFragment.get(name);
          if (inFragment === undefined) {
            const fragment = fragments.get(name);
            if (!fragment || visiting.has(name)) break;
            visiting.add(name);
            inFragment = countIn(fragment.selectionSet);
            visiting.delete(name);
            perFragment.set(name, inFragment);
          }
          count += inFragment;
          break;
        }
      }
    }
    return count;
  };
  return countIn(operation.selectionSet);
}
