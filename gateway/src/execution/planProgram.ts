/**
 * A query plan (Apollo's, from @apollo/query-planner) compiled once into steps our executor runs:
 * each fetch's representation extraction and data rewrites resolved against the supergraph
 * schema ahead of time, so that running the plan only reads prepared plain objects.
 */
import type { FetchDataRewrite, FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';

import { subtypeNames } from './schemaTypes.ts';

/** Matches an object whose __typename is the condition or one of its subtypes in the supergraph. */
export interface TypeMatch {
  readonly names: ReadonlySet<string>;
}

export type RequiresSelection =
  | {
      readonly kind: 'field';
      readonly responseName: string;
      readonly selections: readonly RequiresSelection[] | undefined;
    }
  | {
      readonly kind: 'fragment';
      readonly match: TypeMatch | undefined;
      readonly selections: readonly RequiresSelection[];
    };

export type RewriteStep =
  { readonly kind: 'field'; readonly name: string } | { readonly kind: 'type'; readonly match: TypeMatch };

export interface Rewrite {
  /** Where the rewritten key sits; the last element of Apollo's path is `key`. */
  readonly path: readonly RewriteStep[];
  readonly key: string;
  readonly setValueTo?: unknown;
  readonly renameKeyTo?: string;
}

export interface FetchStep {
  readonly kind: 'fetch';
  readonly serviceName: string;
  readonly operation: string;
  readonly operationName: string | undefined;
  readonly document: DocumentNode | undefined;
  readonly variableUsages: readonly string[];
  readonly requires: readonly RequiresSelection[] | undefined;
  readonly inputRewrites: readonly Rewrite[];
  readonly outputRewrites: readonly Rewrite[];
}

export type Step =
  | { readonly kind: 'sequence'; readonly steps: readonly Step[] }
  | { readonly kind: 'parallel'; readonly steps: readonly Step[] }
  | { readonly kind: 'flatten'; readonly path: readonly string[]; readonly hasList: boolean; readonly step: Step }
  | { readonly kind: 'condition'; readonly variable: string; readonly ifStep?: Step; readonly elseStep?: Step }
  | FetchStep;

/** Why a plan is left to Apollo's executor, or undefined when ours runs all of it. */
export function unsupportedByOwnExecutor(plan: QueryPlan): string | undefined {
  const visit = (node: PlanNode | { kind: string } | undefined): string | undefined => {
    if (!node) return undefined;
    switch (node.kind) {
      case 'Sequence':
      case 'Parallel':
        for (const child of (node as { nodes: PlanNode[] }).nodes) {
          const reason = visit(child);
          if (reason) return reason;
        }
        return undefined;
      case 'Flatten':
        return visit((node as { node: PlanNode }).node);
      case 'Condition': {
        const condition = node as { ifClause?: PlanNode; elseClause?: PlanNode };
        return visit(condition.ifClause) ?? visit(condition.elseClause);
      }
      case 'Fetch':
        return (node as FetchNode).contextRewrites?.length ? 'a fetch with context rewrites (@fromContext)' : undefined;
      default:
        // Defer and Subscription: @apollo/gateway does not execute them either; its executor reports it.
        return `a ${node.kind} node`;
    }
  };
  return visit(plan.node);
}

/** Compiles `plan`'s tree; `supergraph` is the supergraph's graphql-js schema (requires may name @inaccessible types). */
export function compilePlan(plan: QueryPlan, supergraph: GraphQLSchema): Step | undefined {
  const matches = new Map<string, TypeMatch>();
  const matchOf = (typeName: string): TypeMatch => {
    let match = matches.get(typeName);
    if (!match) {
      const type = supergraph.getType(typeName);
      match = { names: type ? subtypeNames(supergraph, type) : new Set([typeName]) };
      matches.set(typeName, match);
    }
    return match;
  };
  const requiresOf = (selections: readonly QueryPlanSelectionNode[]): RequiresSelection[] =>
    selections.map((selection) =>
      selection.kind === 'Field'
        ? {
            kind: 'field',
            responseName: selection.alias ?? selection.name,
            selections: selection.selections ? requiresOf(selection.selections) : undefined,
          }
        : {
            kind: 'fragment',
            match: selection.typeCondition ? matchOf(selection.typeCondition) : undefined,
            selections: requiresOf(selection.selections),
          },
    );
  const rewritesOf = (rewrites: readonly FetchDataRewrite[] | undefined): Rewrite[] =>
    (rewrites ?? []).flatMap((rewrite) => {
      if (rewrite.path.length === 0) return [];
      const key = rewrite.path[rewrite.path.length - 1]!;
      if (key.startsWith(fragmentPrefix))
        throw new Error(`Unexpected fragment as last element of ${rewrite.path.join(',')}`);
      const path = rewrite.path
        .slice(0, -1)
        .map((element): RewriteStep =>
          element.startsWith(fragmentPrefix)
            ? { kind: 'type', match: matchOf(element.slice(fragmentPrefix.length)) }
            : { kind: 'field', name: element },
        );
      return [
        rewrite.kind === 'ValueSetter'
          ? { path, key, setValueTo: rewrite.setValueTo }
          : { path, key, renameKeyTo: rewrite.renameKeyTo },
      ];
    });
  const compile = (node: PlanNode): Step => {
    switch (node.kind) {
      case 'Sequence':
        return { kind: 'sequence', steps: node.nodes.map(compile) };
      case 'Parallel':
        return { kind: 'parallel', steps: node.nodes.map(compile) };
      case 'Flatten': {
        const path = node.path.map((element) => {
          if (typeof element !== 'string') throw new Error(`Unexpected ${typeof element} found in path`);
          return element;
        });
        return { kind: 'flatten', path, hasList: path.includes('@'), step: compile(node.node) };
      }
      case 'Condition':
        return {
          kind: 'condition',
          variable: node.condition,
          ...(node.ifClause ? { ifStep: compile(node.ifClause) } : {}),
          ...(node.elseClause ? { elseStep: compile(node.elseClause) } : {}),
        };
      case 'Fetch':
        return {
          kind: 'fetch',
          serviceName: node.serviceName,
          operation: node.operation,
          operationName: node.operationName,
          document: node.operationDocumentNode,
          variableUsages: node.variableUsages ?? [],
          requires: node.requires ? requiresOf(node.requires) : undefined,
          inputRewrites: rewritesOf(node.inputRewrites),
          outputRewrites: rewritesOf(node.outputRewrites),
        };
      default:
        throw new Error(`a ${node.kind} node is not run by this executor`);
    }
  };
  return plan.node && plan.node.kind !== 'Subscription' ? compile(plan.node) : undefined;
}

const fragmentPrefix = '... on ';
