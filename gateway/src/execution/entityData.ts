/**
 * The data operations of plan execution: finding the entities a flattened fetch applies to,
 * extracting their representations, rewriting fetch inputs and outputs, and merging what a
 * subgraph answered into the entities. Each keeps @apollo/gateway's semantics (including which
 * inputs make an entity be skipped), with own-property reads so a subgraph's `constructor` or
 * `__proto__` key never reaches a prototype.
 */
import type { RequiresSelection, Rewrite, RewriteStep, TypeMatch } from './planProgram.ts';

export type Data = Record<string, unknown>;
export type ResponsePath = (string | number)[];

const hasOwn = Object.prototype.hasOwnProperty;

function own(object: object, key: string): unknown {
  return hasOwn.call(object, key) ? (object as Data)[key] : undefined;
}

function isObject(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a plain object inherits: the only keys whose assignment could reach a prototype. */
const inheritedNames = new Set(Object.getOwnPropertyNames(Object.prototype).concat('__proto__'));

/** Makes `key` an own property of `target` before it is assigned, so an inherited setter (`__proto__`) is never hit. */
function defineOwn(target: Data, key: string): void {
  // Data objects are plain (JSON.parse, literals): only Object.prototype's names can be inherited.
  if (inheritedNames.has(key) && !hasOwn.call(target, key) && key in target) {
    Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
  }
}

/** Merges `source` into `target` as @apollo/gateway does: objects recursively, equal-length lists element-wise. */
export function deepMerge(target: Data, source: unknown): Data {
  if (source === undefined || source === null) return target;
  const from = source as Data;
  // for…in: no array of keys per merged object (data objects have no enumerable inherited keys).
  for (const key in from) {
    const value = from[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isObject(value)) {
      deepMerge(existing as Data, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const element = value[i] as unknown;
        if (isObject(existing[i]) && isObject(element)) deepMerge(existing[i] as Data, element);
        else existing[i] = element;
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}

export function matchesType(value: Data, match: TypeMatch, whenUnknown: boolean): boolean {
  const typename = value.__typename;
  if (!typename) return whenUnknown;
  return match.names.has(typename as string);
}

/**
 * The part of `source` a fetch requires (its representation), or null when an input is missing:
 * an entity whose inputs failed to load is not sent.
 */
export function extractRequires(source: unknown, selections: readonly RequiresSelection[]): Data | null {
  if (source === null) return null;
  const object = source as Data;
  const result: Data = {};
  for (const selection of selections) {
    if (selection.kind === 'field') {
      const name = selection.responseName;
      const value = own(object, name);
      if (value === undefined) return null;
      const sub = selection.selections;
      if (name === '__proto__') defineOwn(result, name);
      if (Array.isArray(value)) {
        result[name] = sub ? value.map((element: unknown) => extractRequires(element, sub)) : value;
      } else {
        result[name] = sub ? extractRequires(value, sub) : value;
      }
    } else if (selection.match !== undefined && matchesType(object, selection.match, false)) {
      deepMerge(result, extractRequires(object, selection.selections));
    }
  }
  return result;
}

/** Applies a fetch's input or output rewrites to `value` in place. */
export function applyRewrites(rewrites: readonly Rewrite[], value: unknown): void {
  for (const rewrite of rewrites) applyAt(rewrite, rewrite.path, 0, value);
}

function applyAt(rewrite: Rewrite, path: readonly RewriteStep[], index: number, value: unknown): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAt(rewrite, path, index, element);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Data;
  if (index === path.length) {
    if (rewrite.renameKeyTo !== undefined) {
      const moved = own(object, rewrite.key);
      if (moved) {
        defineOwn(object, rewrite.renameKeyTo);
        object[rewrite.renameKeyTo] = moved;
        object[rewrite.key] = undefined;
      }
    } else {
      defineOwn(object, rewrite.key);
      object[rewrite.key] = rewrite.setValueTo;
    }
    return;
  }
  const step = path[index]!;
  if (step.kind === 'field') applyAt(rewrite, path, index + 1, own(object, step.name));
  // Objects whose __typename is not known yet are rewritten too.
  else if (matchesType(object, step.match, true)) applyAt(rewrite, path, index + 1, object);
}

/**
 * The data at a flatten path: one object, or with `@` (a list) every object under it, as a flat
 * list (nulls included; the fetch leaves them out). Undefined or null when the path leads nowhere.
 */
export function dataAtPath(value: unknown, path: readonly string[], index: number): unknown {
  if (index === path.length || value === undefined || value === null) return value;
  const element = path[index]!;
  if (element === '@') {
    const list = value as unknown[];
    const flat: unknown[] = [];
    for (const item of list) {
      const inner = dataAtPath(item, path, index + 1);
      if (Array.isArray(inner)) for (const x of inner) flat.push(x);
      else flat.push(inner);
    }
    return flat;
  }
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${element}`);
  return dataAtPath(own(value as object, element), path, index + 1);
}

/**
 * The concrete paths (list indexes in place of `@`) of the entities at `path` in `data`: an
 * entity fetch's error at `_entities[i]` is reported at the i-th of these.
 */
export function hydratedPaths(
  parent: ResponsePath,
  path: readonly (string | number)[],
  data: unknown,
  into: ResponsePath[],
): void {
  if (data === null || data === undefined) return;
  const head = path[0];
  if (head === undefined) {
    into.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) throw new Error('expected array when encountering `@`');
    data.forEach((value: unknown, i) => {
      parent.push(i);
      hydratedPaths(parent, path.slice(1), value, into);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value: unknown, i) => {
        parent.push(i);
        hydratedPaths(parent, path, value, into);
        parent.pop();
      });
    } else if (hasOwn.call(data, head)) {
      parent.push(head);
      hydratedPaths(parent, path.slice(1), (data as Data)[head], into);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${String(head)}"`);
  }
}
