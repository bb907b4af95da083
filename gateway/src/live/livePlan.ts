import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';

import type { LiveStream } from './cursor.ts';

/** The variable the derived query takes the event's post id in. */
export const POST_ID_VARIABLE = 'vgLivePostId';
/** For notificationReceived: the actor's id, and whether the notification is about a post at all. */
export const ACTOR_ID_VARIABLE = 'vgLiveActorId';
export const HAS_POST_VARIABLE = 'vgLiveHasPost';
/** The derived query's visibility probe: null means the viewer may not see the post now. */
export const VISIBLE_KEY = 'vgLiveVisible';
/** Where, under each `latestComment` key, the newest comment sits in the derived data. */
export const LATEST_KEY = 'vgLiveLatest';

/** The live subscription fields and the fields under each that need the federated query path. */
const FEDERATED_FIELD: Record<string, { stream: LiveStream; parentType: string; fields: readonly string[] }> = {
  feedUpdated: { stream: 'feed', parentType: 'FeedUpdate', fields: ['post'] },
  postEngagement: { stream: 'engagement', parentType: 'PostEngagement', fields: ['latestComment'] },
  // A notification's post (when it has one) and its actor, a User resolved by the users subgraph.
  notificationReceived: { stream: 'notification', parentType: 'NotificationReceived', fields: ['post', 'actor'] },
};

const DERIVED_NAME: Record<LiveStream, string> = {
  feed: 'LiveFeedUpdatedPost',
  engagement: 'LivePostEngagementComment',
  notification: 'LiveNotificationReceived',
};

/** How one subscription document is served: which stream, and the query that resolves its federated part. */
export interface LivePlan {
  readonly stream: LiveStream;
  readonly rootField: string;
  readonly rootKey: string;
  readonly rootFieldNode: FieldNode;
  /** The query run for each event, as the viewer: the client's `post`/`latestComment` selections over `post(id:)`. */
  readonly derived: DocumentNode;
  readonly derivedSource: string;
  /** Response keys under the root field that come from the derived data. */
  readonly federatedKeys: readonly string[];
}

type Variables = Readonly<Record<string, unknown>>;

/** The fields a selection set asks for on `typeName`, by response key, with @skip/@include applied. */
export function collectFields(
  selectionSets: readonly SelectionSetNode[],
  typeName: string,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Variables,
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const included = (node: SelectionNode): boolean => {
    const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
    return include?.if !== false;
  };
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const key = selection.alias?.value ?? selection.name.value;
          const list = fields.get(key);
          if (list) list.push(selection);
          else fields.set(key, [selection]);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (!selection.typeCondition || selection.typeCondition.name.value === typeName) walk(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (visited.has(name) || !fragment || fragment.typeCondition.name.value !== typeName) break;
          visited.add(name);
          walk(fragment.selectionSet);
          break;
        }
      }
    }
  };
  for (const selectionSet of selectionSets) walk(selectionSet);
  return fields;
}

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
const variable = (value: string) => ({ kind: Kind.VARIABLE, name: name(value) }) as const;
const field = (
  fieldName: string,
  options: {
    alias?: string;
    args?: FieldNode['arguments'];
    selections?: readonly SelectionNode[];
    directives?: FieldNode['directives'];
  } = {},
): FieldNode => ({
  kind: Kind.FIELD,
  name: name(fieldName),
  ...(options.alias ? { alias: name(options.alias) } : {}),
  ...(options.args ? { arguments: options.args } : {}),
  ...(options.directives ? { directives: options.directives } : {}),
  ...(options.selections ? { selectionSet: { kind: Kind.SELECTION_SET, selections: options.selections } } : {}),
});

/**
 * Plans a validated subscription operation: the live field it asks for and the derived query
 * that resolves, per event and as the viewer, everything under `post` (feedUpdated) or
 * `latestComment` (postEngagement) through the normal federated path. Returns undefined when
 * the operation does not select a live field.
 */
export function planSubscription(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): LivePlan | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const roots = collectFields([operation.selectionSet], 'Subscription', fragments, variables);
  const [rootKey, rootNodes] = [...roots].find(([, nodes]) => !nodes[0]!.name.value.startsWith('__')) ?? [];
  const rootFieldNode = rootNodes?.[0];
  if (!rootKey || !rootNodes || !rootFieldNode) return undefined;
  const rootField = rootFieldNode.name.value;
  const federated = FEDERATED_FIELD[rootField];
  if (!federated) return undefined;

  const children = collectFields(
    rootNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    federated.parentType,
    fragments,
    variables,
  );
  const postArgs: FieldNode['arguments'] = [
    { kind: Kind.ARGUMENT, name: name('id'), value: variable(POST_ID_VARIABLE) },
  ];
  const notification = federated.stream === 'notification';
  // A notification about no post asks nothing of the posts subgraph: its post fields are skipped.
  const postDirectives: FieldNode['directives'] = notification
    ? [
        {
          kind: Kind.DIRECTIVE,
          name: name('include'),
          arguments: [{ kind: Kind.ARGUMENT, name: name('if'), value: variable(HAS_POST_VARIABLE) }],
        },
      ]
    : undefined;
  const derivedFields: FieldNode[] = [
    field('post', { alias: VISIBLE_KEY, args: postArgs, selections: [field('id')], directives: postDirectives }),
  ];
  const federatedKeys: string[] = [];
  for (const [key, nodes] of children) {
    const childField = nodes[0]!.name.value;
    if (!federated.fields.includes(childField)) continue;
    federatedKeys.push(key);
    const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
    derivedFields.push(
      childField === 'actor'
        ? field('user', {
            alias: key,
            args: [{ kind: Kind.ARGUMENT, name: name('id'), value: variable(ACTOR_ID_VARIABLE) }],
            selections,
          })
        : childField === 'post'
          ? field('post', { alias: key, args: postArgs, selections, directives: postDirectives })
          : field('post', {
              alias: key,
              args: postArgs,
              selections: [
                field('comments', {
                  alias: LATEST_KEY,
                  args: [{ kind: Kind.ARGUMENT, name: name('first'), value: { kind: Kind.INT, value: '1' } }],
                  selections: [field('edges', { selections: [field('node', { selections })] })],
                }),
              ],
            }),
    );
  }

  // Only the fragments and variables the derived selections use: GraphQL refuses unused ones.
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const scan = (node: FieldNode | FragmentDefinitionNode): void => {
    visit(node, {
      FragmentSpread(spread) {
        const fragmentName = spread.name.value;
        if (usedFragments.has(fragmentName)) return;
        usedFragments.add(fragmentName);
        const fragment = fragments.get(fragmentName);
        if (fragment) scan(fragment);
      },
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  };
  for (const derivedField of derivedFields) scan(derivedField);
  const required = (variableName: string, typeName: string): VariableDefinitionNode => ({
    kind: Kind.VARIABLE_DEFINITION,
    variable: variable(variableName),
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name(typeName) } },
  });
  const variableDefinitions: VariableDefinitionNode[] = [
    required(POST_ID_VARIABLE, 'ID'),
    ...(notification ? [required(HAS_POST_VARIABLE, 'Boolean'), required(ACTOR_ID_VARIABLE, 'ID')] : []),
    ...(operation.variableDefinitions ?? []).filter((definition) => usedVariables.has(definition.variable.name.value)),
  ];
  const derived = withTypenames({
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        name: name(DERIVED_NAME[federated.stream]),
        variableDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections: derivedFields },
      },
      ...[...usedFragments].flatMap((fragmentName) => {
        const fragment = fragments.get(fragmentName);
        return fragment ? [fragment] : [];
      }),
    ],
  });
  return {
    stream: federated.stream,
    rootField,
    rootKey,
    rootFieldNode,
    derived,
    derivedSource: print(derived),
    federatedKeys,
  };
}

/**
 * Adds `__typename` to every selection set under the root: the client's document is executed
 * again over the derived data, and abstract types are resolved by it.
 */
function withTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet(node, _key, parent) {
      if (parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
      const has = node.selections.some(
        (selection) => selection.kind === Kind.FIELD && !selection.alias && selection.name.value === '__typename',
      );
      return has ? undefined : { ...node, selections: [...node.selections, field('__typename')] };
    },
  });
}
