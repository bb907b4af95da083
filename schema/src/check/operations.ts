import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  parse,
  Source,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

import type { SchemaChange } from './schemaChanges.ts';

/** One operation the frontend teams really send, as registered in schema/operations. */
export interface RegisteredOperation {
  readonly name: string;
  readonly file: string;
  readonly document: DocumentNode;
}

export async function readOperations(dir: string): Promise<RegisteredOperation[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.graphql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const document = parse(new Source(await readFile(path, 'utf8'), path));
      const named = document.definitions.find((d) => d.kind === 'OperationDefinition' && d.name);
      const name = named && 'name' in named && named.name ? named.name.value : file.replace(/\.graphql$/, '');
      return { name, file: path, document };
    }),
  );
}

/**
 * Every schema coordinate an operation depends on: the fields it selects (`Type.field`), the
 * arguments it passes (`Type.field.arg`), and the enum and input types it reads or sends
 * (`Enum`, `Input`, `Input.field`). A change at any of these can break it.
 */
export function coordinatesUsed(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const noteInput = (type: ReturnType<typeof getNamedType>) => {
    if (type instanceof GraphQLEnumType) used.add(type.name);
    if (type instanceof GraphQLInputObjectType && !used.has(type.name)) {
      used.add(type.name);
      for (const field of Object.values(type.getFields())) {
        used.add(`${type.name}.${field.name}`);
        noteInput(getNamedType(field.type));
      }
    }
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        used.add(`${parent.name}.${field.name}`);
        const named = getNamedType(field.type);
        if (named instanceof GraphQLEnumType) used.add(named.name);
        // A field is used with every argument it accepts: a new required one breaks the call.
        for (const arg of field.args) noteInput(getNamedType(arg.type));
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field) used.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
      VariableDefinition() {
        const type = typeInfo.getInputType();
        if (type) noteInput(getNamedType(type));
      },
    }),
  );
  return used;
}

/**
 * The change touches something the operation uses: the coordinate itself or one that contains
 * it (`Query.user` for `Query.user.id`; the enum `Audience` for `Audience.FRIENDS`). Bare type
 * names are only ever recorded for enums and inputs, so an object type never matches wholesale.
 */
export function changeAffects(change: SchemaChange, used: ReadonlySet<string>): boolean {
  if (!change.path) return false;
  const parts = change.path.split('.');
  return parts.some((_, i) => used.has(parts.slice(0, parts.length - i).join('.')));
}

export interface OperationImpact {
  readonly operation: string;
  readonly file: string;
  /** Validation errors against the new API schema: the operation would fail outright. */
  readonly errors: readonly string[];
  /** Breaking changes that touch what it uses. */
  readonly changes: readonly SchemaChange[];
}

/** Which registered operations the new schema breaks, and by which changes. */
export function operationImpacts(
  operations: readonly RegisteredOperation[],
  oldSchema: GraphQLSchema,
  newSchema: GraphQLSchema,
  breaking: readonly SchemaChange[],
): OperationImpact[] {
  const impacts: OperationImpact[] = [];
  for (const op of operations) {
    const errors = validate(newSchema, op.document).map((e) => e.message);
    const used = coordinatesUsed(oldSchema, op.document);
    const changes = breaking.filter((c) => changeAffects(c, used));
    if (errors.length > 0 || changes.length > 0) impacts.push({ operation: op.name, file: op.file, errors, changes });
  }
  return impacts;
}
