/**
 * The response shape of one operation, compiled once from its document and the API schema:
 * what the final response keeps of the data the fetches gathered, in which order, with which
 * nullability and leaf checks. Built from graphql-js types only, so that shaping a response reads
 * plain objects instead of calling through @apollo/federation-internals' getters on every field.
 */
import {
  GraphQLList,
  GraphQLNonNull,
  isCompositeType,
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

import { leafCheck, subtypeNames, typeIndex, type TypeInfo } from './schemaTypes.ts';

export type { TypeInfo };

/** `@skip`/`@include` of one selection: a literal, or the name of the variable that decides it. */
export interface SelectionCondition {
  readonly skip: boolean | string | undefined;
  readonly include: boolean | string | undefined;
}

export const enum OutputKind {
  NonNull,
  List,
  Leaf,
  Composite,
}

/**
 * One level of a field's type. Every level has the same fields (unused ones undefined), so the
 * shaping loop reads one object layout.
 */
export interface OutputShape {
  readonly kind: OutputKind;
  /** The type as graphql-js prints it, for error messages. */
  readonly printed: string;
  /** Whether the named type under the wrappers is an object, interface or union. */
  readonly composite: boolean;
  readonly ofType: OutputShape | undefined;
  readonly isValid: ((value: unknown) => boolean) | undefined;
  readonly selections: readonly SelectionShape[] | undefined;
  /** For composites: the static type, the parent of its selections when the data names no __typename. */
  readonly type: TypeInfo | undefined;
}

export const enum FieldRole {
  Value,
  Typename,
  Introspection,
}

export interface FieldShape {
  readonly kind: 'field';
  readonly responseName: string;
  /** A response name that is also a property of Object.prototype ('constructor', '__proto__'): read and written as own properties only. */
  readonly guarded: boolean;
  /**
   * No earlier selection (fragments included) writes this response name into the same object:
   * in an object the shaping creates, its output value is known to be absent, and not read.
   */
  readonly first: boolean;
  readonly role: FieldRole;
  readonly condition: SelectionCondition | undefined;
  readonly type: OutputShape;
  /** For a leaf or non-null leaf: its check; a value that passes it completes to itself. */
  readonly leafCheck: ((value: unknown) => boolean) | undefined;
  /** For __schema/__type: the field as written, answered by graphql-js's introspection. */
  readonly node: FieldNode;
}

export interface FragmentShape {
  readonly kind: 'fragment';
  readonly condition: SelectionCondition | undefined;
  /** The type condition's name; undefined when the fragment has none. */
  readonly typeCondition: string | undefined;
  /** The type condition's type, the parent of the fragment's selections. */
  readonly type: TypeInfo | undefined;
  /** The type condition and every type that is a subtype of it in the API schema. */
  readonly subtypes: ReadonlySet<string> | undefined;
  readonly selections: readonly SelectionShape[];
}

export type SelectionShape = FieldShape | FragmentShape;

export interface OperationShape {
  readonly rootType: TypeInfo;
  readonly types: ReadonlyMap<string, TypeInfo>;
  readonly selections: readonly SelectionShape[];
  /** Variables with a default value, applied before the request's own (as @apollo/gateway does for @skip/@include). */
  readonly defaultedVariables: Readonly<Record<string, unknown>>;
  readonly hasDefaults: boolean;
}

const prototypeNames = new Set(Object.getOwnPropertyNames(Object.prototype).concat('__proto__'));

/** Compiles the response shape of `operation`; `fragments` are the document's fragment definitions. */
export function compileOperationShape(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): OperationShape {
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`The schema has no "${operation.operation}" root type defined`);
  const subtypesCache = new Map<string, ReadonlySet<string>>();
  const subtypesOf = (type: GraphQLCompositeType): ReadonlySet<string> => {
    let found = subtypesCache.get(type.name);
    if (!found) {
      found = subtypeNames(schema, type);
      subtypesCache.set(type.name, found);
    }
    return found;
  };
  const types = typeIndex(schema);
  const leafChecks = new Map<string, (value: unknown) => boolean>();

  const outputShape = (type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): OutputShape => {
    if (type instanceof GraphQLNonNull || type instanceof GraphQLList) {
      const ofType = outputShape(type.ofType, selectionSet);
      const kind = type instanceof GraphQLNonNull ? OutputKind.NonNull : OutputKind.List;
      return shape(kind, String(type), ofType.composite, ofType, undefined, undefined, undefined);
    }
    if (isCompositeType(type)) {
      if (!selectionSet) throw new Error(`Invalid empty selection set for composite type ${type.name}`);
      const info = types.get(type.name);
      const selections = selectionsOf(type, selectionSet, new Set());
      return shape(OutputKind.Composite, type.name, true, undefined, undefined, selections, info);
    }
    let isValid = leafChecks.get(type.name);
    if (!isValid) {
      isValid = leafCheck(type);
      leafChecks.set(type.name, isValid);
    }
    return shape(OutputKind.Leaf, type.name, false, undefined, isValid, undefined, undefined);
  };

  /** `written`: the response names earlier selections may already have written into the same object. */
  const selectionsOf = (
    parent: GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    written: Set<string>,
  ): SelectionShape[] => {
    const shapes: SelectionShape[] = [];
    for (const selection of selectionSet.selections) {
      const condition = conditionOf(selection.directives);
      if (condition === 'never') continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const responseName = selection.alias?.value ?? name;
          const guarded = prototypeNames.has(responseName);
          if (name === '__typename') {
            shapes.push(
              fieldShape(responseName, guarded, FieldRole.Typename, condition, placeholder, selection, written),
            );
            break;
          }
          if (name === '__schema' || name === '__type') {
            shapes.push(
              fieldShape(responseName, guarded, FieldRole.Introspection, condition, placeholder, selection, written),
            );
            break;
          }
          const definition = 'getFields' in parent ? parent.getFields()[name] : undefined;
          if (!definition) throw new Error(`Cannot query field "${name}" on type "${parent.name}"`);
          const type = outputShape(definition.type, selection.selectionSet);
          shapes.push(fieldShape(responseName, guarded, FieldRole.Value, condition, type, selection, written));
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const typeCondition = selection.typeCondition
            ? compositeType(schema, selection.typeCondition.name.value)
            : undefined;
          shapes.push({
            kind: 'fragment',
            condition,
            typeCondition: typeCondition?.name,
            type: typeCondition ? types.get(typeCondition.name) : undefined,
            subtypes: typeCondition ? subtypesOf(typeCondition) : undefined,
            selections: selectionsOf(typeCondition ?? parent, selection.selectionSet, written),
          });
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments[selection.name.value];
          if (!fragment) throw new Error(`Unknown fragment "${selection.name.value}"`);
          const typeCondition = compositeType(schema, fragment.typeCondition.name.value);
          shapes.push({
            kind: 'fragment',
            condition,
            typeCondition: typeCondition.name,
            type: types.get(typeCondition.name),
            subtypes: subtypesOf(typeCondition),
            selections: selectionsOf(typeCondition, fragment.selectionSet, written),
          });
          break;
        }
      }
    }
    return shapes;
  };

  const defaultedVariables: Record<string, unknown> = {};
  let hasDefaults = false;
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) {
      defaultedVariables[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
      hasDefaults = true;
    }
  }
  return {
    rootType: types.get(root.name)!,
    types,
    selections: selectionsOf(root, operation.selectionSet, new Set()),
    defaultedVariables,
    hasDefaults,
  };
}

function shape(
  kind: OutputKind,
  printed: string,
  composite: boolean,
  ofType: OutputShape | undefined,
  isValid: ((value: unknown) => boolean) | undefined,
  selections: readonly SelectionShape[] | undefined,
  type: TypeInfo | undefined,
): OutputShape {
  return { kind, printed, composite, ofType, isValid, selections, type };
}

const placeholder = shape(OutputKind.Leaf, '', false, undefined, undefined, undefined, undefined);

function fieldShape(
  responseName: string,
  guarded: boolean,
  role: FieldRole,
  condition: SelectionCondition | undefined,
  type: OutputShape,
  node: FieldNode,
  written: Set<string>,
): FieldShape {
  const first = !written.has(responseName);
  written.add(responseName);
  const leaf = type.kind === OutputKind.NonNull ? type.ofType! : type;
  const leafCheck = leaf.kind === OutputKind.Leaf ? leaf.isValid : undefined;
  return { kind: 'field', responseName, guarded, first, role, condition, type, leafCheck, node };
}

function compositeType(schema: GraphQLSchema, name: string): GraphQLCompositeType {
  const type = schema.getType(name);
  if (!type || !isCompositeType(type)) throw new Error(`Unknown composite type "${name}"`);
  return type;
}

/** Folds literal conditions at compile time; 'never' for a selection that can never be included. */
function conditionOf(directives: readonly DirectiveNode[] | undefined): SelectionCondition | undefined | 'never' {
  if (!directives || directives.length === 0) return undefined;
  let skip: boolean | string | undefined;
  let include: boolean | string | undefined;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    const value =
      argument?.kind === Kind.VARIABLE
        ? argument.name.value
        : argument?.kind === Kind.BOOLEAN
          ? argument.value
          : undefined;
    // graphql-js keeps only the first of a repeated directive's effect; the validated document has at most one.
    if (name === 'skip' && skip === undefined) skip = value;
    if (name === 'include' && include === undefined) include = value;
  }
  if (skip === true || include === false) return 'never';
  if (skip === false) skip = undefined;
  if (include === true) include = undefined;
  if (skip === undefined && include === undefined) return undefined;
  return { skip, include };
}
