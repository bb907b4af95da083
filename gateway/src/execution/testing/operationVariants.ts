/**
 * Generated variations of an operation for the differential spec: every field below the root
 * that has a selection gets `@include(if: $diffInclude)` or `@skip(if: $diffSkip)` in turn, so
 * both executors shape responses with whole subtrees (and the fetches behind them) left out.
 */
import { Kind, parse, print, visit, type DirectiveNode, type OperationDefinitionNode } from 'graphql';

const conditionOn = (name: 'include' | 'skip', variable: string): DirectiveNode => ({
  kind: Kind.DIRECTIVE,
  name: { kind: Kind.NAME, value: name },
  arguments: [
    {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: 'if' },
      value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
    },
  ],
});

export function withConditionalFields(text: string): { text: string; extra: Record<string, boolean>[] } {
  // Nested fields with a selection first; an operation with none gets its root fields conditioned.
  return conditioned(text, (depth, hasSelection) => depth > 0 && hasSelection) ?? conditioned(text, () => true)!;
}

function conditioned(
  text: string,
  applies: (depth: number, hasSelection: boolean) => boolean,
): { text: string; extra: Record<string, boolean>[] } | undefined {
  let depth = 0;
  let turn = 0;
  const document = visit(parse(text), {
    OperationDefinition: {
      leave(node): OperationDefinitionNode {
        const defined = (variable: string) => ({
          kind: Kind.VARIABLE_DEFINITION as const,
          variable: { kind: Kind.VARIABLE as const, name: { kind: Kind.NAME as const, value: variable } },
          type: {
            kind: Kind.NON_NULL_TYPE as const,
            type: { kind: Kind.NAMED_TYPE as const, name: { kind: Kind.NAME as const, value: 'Boolean' } },
          },
        });
        return {
          ...node,
          variableDefinitions: [...(node.variableDefinitions ?? []), defined('diffInclude'), defined('diffSkip')],
        };
      },
    },
    Field: {
      enter() {
        depth++;
      },
      leave(node) {
        depth--;
        if (!applies(depth, node.selectionSet !== undefined)) return undefined;
        const directive = turn++ % 2 === 0 ? conditionOn('include', 'diffInclude') : conditionOn('skip', 'diffSkip');
        return { ...node, directives: [...(node.directives ?? []), directive] };
      },
    },
  });
  if (turn < 2) return undefined;
  return {
    text: print(document),
    extra: [
      { diffInclude: true, diffSkip: false },
      { diffInclude: false, diffSkip: true },
      { diffInclude: true, diffSkip: true },
    ],
  };
}
