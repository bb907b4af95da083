/**
 * What the executor needs to know of a schema's types, computed once per schema or type: the
 * subtypes a type condition matches, the composite and object types a __typename may name, and
 * which values a subgraph may answer for a leaf (as @apollo/gateway's result shaping accepts them).
 */
import {
  GraphQLEnumType,
  GraphQLScalarType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** What shaping needs to know of a type named by __typename. */
export interface TypeInfo {
  readonly name: string;
  readonly isObject: boolean;
  readonly isComposite: boolean;
}

/** The names of `type` and of every type `type` is a supertype of (union members, implementations). */
export function subtypeNames(schema: GraphQLSchema, type: GraphQLNamedType): ReadonlySet<string> {
  const names = new Set<string>([type.name]);
  if (isAbstractType(type)) {
    if (isInterfaceType(type)) {
      const { objects, interfaces } = schema.getImplementations(type);
      for (const implementation of objects) names.add(implementation.name);
      for (const implementation of interfaces) names.add(implementation.name);
    } else {
      for (const member of schema.getPossibleTypes(type)) names.add(member.name);
    }
  }
  return names;
}

const typeIndexes = new WeakMap<GraphQLSchema, ReadonlyMap<string, TypeInfo>>();

/** Every type of `schema` by name, as shaping looks up a __typename; built once per schema. */
export function typeIndex(schema: GraphQLSchema): ReadonlyMap<string, TypeInfo> {
  let index = typeIndexes.get(schema);
  if (!index) {
    const built = new Map<string, TypeInfo>();
    for (const type of Object.values(schema.getTypeMap())) {
      built.set(type.name, { name: type.name, isObject: isObjectType(type), isComposite: isCompositeType(type) });
    }
    typeIndexes.set(schema, built);
    index = built;
  }
  return index;
}

const integerString = /^[-+]?\d+$/;

/** What a subgraph may answer for a leaf of this type (as @apollo/gateway's result shaping accepts it). */
export function leafCheck(type: GraphQLNamedType): (value: unknown) => boolean {
  if (type instanceof GraphQLEnumType) {
    const values = new Set(type.getValues().map((v) => v.name));
    return (value) => typeof value === 'string' && values.has(value);
  }
  if (!(type instanceof GraphQLScalarType)) return () => false;
  switch (type.name) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
    case 'ID':
      return (value) =>
        typeof value === 'string'
          ? type.name === 'ID'
          : typeof value === 'number' && Number.isFinite(value) && integerString.test(String(value));
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return (value) => typeof value === 'string';
    default:
      // A custom scalar may be anything.
      return () => true;
  }
}
