/**
 * protobuf-es enums are TypeScript enums whose member names are the domain's names
 * (`PostKind.PHOTO` ↔ 'PHOTO'). These map between the two; UNSPECIFIED and values this
 * build does not know map to `undefined`, which the deciders refuse with a clear message.
 */
export function enumToName<N extends string>(
  values: readonly N[],
  enumObject: Record<string | number, string | number>,
  value: number,
): N | undefined {
  const name = enumObject[value];
  return typeof name === 'string' && (values as readonly string[]).includes(name) ? (name as N) : undefined;
}

export function nameToEnum<E extends number>(enumObject: Record<string, string | number>, name: string): E {
  const value = enumObject[name];
  if (typeof value !== 'number') throw new Error(`no protobuf enum value named ${name}`);
  return value as E;
}
