/**
 * Shapes the final response from the data the plan's fetches gathered, following the compiled
 * operation shape: keeps only what the operation asked for, in its order, fills __typename,
 * checks leaves and nullability, and propagates nulls. Its results (data, errors and their
 * messages and paths) are those of @apollo/gateway's post-processing, which the conformance and
 * differential specs compare; it is written for a low allocation count instead.
 */
import { GraphQLError } from 'graphql';

import {
  FieldRole,
  OutputKind,
  type FieldShape,
  type OperationShape,
  type OutputShape,
  type SelectionCondition,
  type SelectionShape,
  type TypeInfo,
} from './operationShape.ts';

type Data = Record<string, unknown>;
type Path = (string | number)[];

export interface ShapeInput {
  readonly shape: OperationShape;
  /** The operation's defaulted variables overridden by the request's own. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The answer of __schema/__type (never sent to subgraphs). */
  readonly introspect: (field: FieldShape) => unknown;
}

export interface ShapedResponse {
  readonly data: Data | null;
  /** Value-completion errors: nulls that had to be propagated, invalid leaves or type names. */
  readonly errors: GraphQLError[];
}

interface Run {
  readonly variables: Readonly<Record<string, unknown>>;
  readonly types: ReadonlyMap<string, TypeInfo>;
  readonly introspect: (field: FieldShape) => unknown;
  readonly errors: GraphQLError[];
  readonly path: Path;
}

const BUBBLE = true;
const hasOwn = Object.prototype.hasOwnProperty;

// updateValue's second and third results, kept out of an object so that no object is built per value.
let invalid = false;
let hasErrors = false;

/** Shapes `input` (what the fetches merged) into the response's `data`; throws on data no valid plan can produce. */
export function shapeResponse(input: Data, { shape, variables, introspect }: ShapeInput): ShapedResponse {
  const run: Run = { variables, types: shape.types, introspect, errors: [], path: [] };
  const data: Data = {};
  const bubbled = applySelections(input, shape.selections, data, false, run, shape.rootType);
  return { data: bubbled ? null : data, errors: run.errors };
}

/** `merging`: `output` was made by an earlier selection of the same response name, and may hold any field. */
function applySelections(
  input: Data,
  selections: readonly SelectionShape[],
  output: Data,
  merging: boolean,
  run: Run,
  parentType: TypeInfo,
): boolean {
  for (let i = 0; i < selections.length; i++) {
    const selection = selections[i]!;
    if (selection.condition !== undefined && isSkipped(selection.condition, run.variables)) continue;
    if (selection.kind === 'field') {
      const name = selection.responseName;
      const outputValue =
        selection.first && !merging ? undefined : selection.guarded ? own(output, name) : output[name];
      if (selection.role === FieldRole.Introspection) {
        if (outputValue === undefined) write(output, selection, run.introspect(selection));
        continue;
      }
      let inputValue = (selection.guarded ? own(input, name) : input[name]) ?? null;
      if (selection.role === FieldRole.Typename) {
        if (outputValue !== undefined) continue;
        // A subgraph's __typename may name an @interfaceObject's interface, or a root type by the
        // subgraph's own name: a concrete object type of the API schema replaces it, or the object is nulled.
        if (inputValue === null && name !== '__typename') inputValue = input.__typename ?? null;
        const type =
          inputValue !== null && typeof inputValue === 'string'
            ? (run.types.get(inputValue) ?? parentType)
            : parentType;
        if (!type.isObject) return BUBBLE;
        write(output, selection, type.name);
        continue;
      }
      const leafCheck = selection.leafCheck;
      if (leafCheck !== undefined && outputValue === undefined && inputValue !== null && leafCheck(inputValue)) {
        // Most fields: a valid leaf completes to itself, with no path or error bookkeeping.
        write(output, selection, inputValue);
        continue;
      }
      run.path.push(name);
      const updated = updateValue(outputValue, selection.type, inputValue, run, parentType);
      write(output, selection, updated);
      run.path.pop();
      if (invalid) return BUBBLE;
    } else {
      let parent = parentType;
      if (selection.subtypes !== undefined) {
        const typename = input.__typename;
        if (typename && typeof typename !== 'string') {
          throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
        }
        const applies = selection.subtypes.has(typename ? (typename as string) : parentType.name);
        if (!applies) continue;
        parent = selection.type!;
      }
      if (applySelections(input, selection.selections, output, merging, run, parent)) return BUBBLE;
    }
  }
  return false;
}

function updateValue(
  outputValue: unknown,
  type: OutputShape,
  inputValue: unknown,
  run: Run,
  parentType: TypeInfo,
): unknown {
  if (outputValue === null || (outputValue !== undefined && !type.composite)) {
    // Already completed through another selection of the same response name.
    invalid = false;
    hasErrors = false;
    return outputValue;
  }
  switch (type.kind) {
    case OutputKind.NonNull: {
      const updated = updateValue(outputValue, type.ofType!, inputValue, run, parentType);
      if (updated === null) {
        if (!hasErrors) {
          run.errors.push(
            completionError(
              `Cannot return null for non-nullable ${describe(run.path, type.ofType!.printed, parentType)}.`,
              run.path,
            ),
          );
        }
        invalid = true;
        hasErrors = true;
        return null;
      }
      invalid = false;
      hasErrors = false;
      return updated;
    }
    case OutputKind.List: {
      if (inputValue === null) return nullable();
      if (!Array.isArray(inputValue)) {
        throw new Error(
          `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type.printed}`,
        );
      }
      if (outputValue !== undefined && !Array.isArray(outputValue)) {
        throw new Error(
          `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type.printed}`,
        );
      }
      const previous = outputValue as unknown[] | undefined;
      if (previous !== undefined && previous.length !== inputValue.length) {
        throw new Error(
          `list of ${inputValue.length} merged into a list of ${previous.length} at ${run.path.join('.')}`,
        );
      }
      const elementType = type.ofType!;
      const updated: unknown[] = [];
      let nullify = false;
      let anyErrors = false;
      for (let index = 0; index < inputValue.length; index++) {
        run.path.push(index);
        updated.push(updateValue(previous?.[index], elementType, inputValue[index], run, parentType));
        run.path.pop();
        nullify ||= invalid;
        anyErrors ||= hasErrors;
      }
      invalid = false;
      hasErrors = anyErrors;
      return nullify ? null : updated;
    }
    case OutputKind.Composite: {
      if (inputValue === null) return nullable();
      if (typeof inputValue !== 'object' || (outputValue !== undefined && typeof outputValue !== 'object')) {
        throw new Error(
          `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.printed}`,
        );
      }
      const object = inputValue as Data;
      const typename = object.__typename;
      let objectType = type.type!;
      if (typename !== undefined && typeof typename !== 'string') {
        throw new Error(`Invalid non-string value ${String(typename)} for __typename at ${run.path.join(',')}`);
      }
      if (typename) {
        const named = run.types.get(typename);
        // Not in the API schema: an @inaccessible type, whose name must not be shown.
        if (named === undefined || !named.isComposite) {
          run.errors.push(
            completionError(
              `Invalid __typename found for object at ${describe(run.path, type.printed, parentType)}.`,
              run.path,
            ),
          );
          invalid = false;
          hasErrors = true;
          return null;
        }
        objectType = named;
      }
      const target = (outputValue as Data | undefined) ?? {};
      const bubbled = applySelections(object, type.selections!, target, outputValue !== undefined, run, objectType);
      invalid = false;
      hasErrors = bubbled;
      return bubbled ? null : target;
    }
    case OutputKind.Leaf: {
      if (inputValue === null) return nullable();
      const valid = type.isValid!(inputValue);
      if (!valid) {
        run.errors.push(
          completionError(`Invalid value found for ${describe(run.path, type.printed, parentType)}.`, run.path),
        );
      }
      invalid = false;
      hasErrors = !valid;
      return valid ? inputValue : null;
    }
  }
}

function nullable(): null {
  invalid = false;
  hasErrors = false;
  return null;
}

function isSkipped(condition: SelectionCondition, variables: Readonly<Record<string, unknown>>): boolean {
  return (
    (condition.skip !== undefined && ifValue(condition.skip, variables)) ||
    (condition.include !== undefined && !ifValue(condition.include, variables))
  );
}

function ifValue(argument: boolean | string, variables: Readonly<Record<string, unknown>>): boolean {
  if (typeof argument === 'boolean') return argument;
  const value = hasOwn.call(variables, argument) ? variables[argument] : undefined;
  if (typeof value !== 'boolean') throw new Error(`Unexpected value ${String(value)} for variable $${argument}`);
  return value;
}

function describe(path: Path, printed: string, parentType: TypeInfo): string {
  const element = path[path.length - 1];
  return typeof element === 'string'
    ? `field ${parentType.name}.${element}`
    : `array element of type ${printed} at index ${String(element)}`;
}

function completionError(message: string, path: Path): GraphQLError {
  return new GraphQLError(message, { path: path.slice(), extensions: { code: 'INVALID_GRAPHQL' } });
}

function own(object: Data, name: string): unknown {
  return hasOwn.call(object, name) ? object[name] : undefined;
}

function write(output: Data, field: FieldShape, value: unknown): void {
  if (field.guarded) {
    Object.defineProperty(output, field.responseName, { value, enumerable: true, writable: true, configurable: true });
  } else {
    output[field.responseName] = value;
  }
}
