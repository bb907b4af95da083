import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { buildSchema } from 'graphql';

import { composeSubgraphs, type CompositionProblem } from '../compose.ts';
import { readSubgraphSources, type SubgraphSource } from '../subgraphs.ts';
import { operationImpacts, readOperations, type OperationImpact } from './operations.ts';
import { protoChanges, type ProtoFinding } from './protoChanges.ts';
import { schemaChanges, type SchemaChange } from './schemaChanges.ts';

/** Each kind of failure has its own exit code, so CI can tell them apart. */
export const EXIT_CODES = { pass: 0, composition: 2, breaking: 3, operations: 4, proto: 5 } as const;
export type Verdict = keyof typeof EXIT_CODES;

export interface CheckOptions {
  readonly repoRoot: string;
  /** The registry folder: published SDL, supergraph, API schema, operations, proto image. */
  readonly schemaDir: string;
  /** Check one team's change: its working-tree SDL composed with the others' published SDL. */
  readonly subgraph?: string | undefined;
  /** Fail on every breaking change, even one that no registered operation uses. */
  readonly strict?: boolean;
  /** The working-tree subgraph SDL; read from subgraphs/<name>/src/schema.graphql by default. */
  readonly sources?: readonly SubgraphSource[];
  /** Folder of the working-tree .proto files, relative to repoRoot. */
  readonly protoDir?: string;
}

export interface CheckReport {
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly subgraphs: readonly string[];
  readonly composition: { readonly ok: boolean; readonly problems: readonly (CompositionProblem & { hint: string })[] };
  readonly changes: readonly SchemaChange[];
  /** Registered operations that break: by a breaking change they use, or by failing validation. */
  readonly impacts: readonly OperationImpact[];
  /** Breaking changes that no registered operation uses: reported, not failing unless strict. */
  readonly unusedBreaking: readonly SchemaChange[];
  readonly proto: readonly ProtoFinding[];
  readonly strict: boolean;
}

/** What a team should try, by federation's error code; the message says the specifics. */
const HINTS: Record<string, string> = {
  GRAPHQL_PARSE_FAILED: 'Fix the SDL syntax at the location shown.',
  FIELD_TYPE_MISMATCH: 'Shared fields must have compatible types in every subgraph that declares them.',
  INVALID_FIELD_SHARING: 'Mark a field resolved by several subgraphs @shareable in each of them, or resolve it in one.',
  EXTERNAL_MISSING_ON_BASE: 'An @external field must be defined (non-external) in some other subgraph.',
  KEY_FIELDS_SELECT_INVALID_TYPE: 'A @key may only select fields of object, scalar or enum types.',
  TYPE_KIND_MISMATCH: 'A type must be the same kind (object, interface, enum…) in every subgraph.',
  ENUM_VALUE_MISMATCH: 'An enum used as both input and output must have the same values in every subgraph.',
  SATISFIABILITY_ERROR: 'Some field cannot be reached from the root: add a @key or move the field.',
  INVALID_GRAPHQL: 'The subgraph schema is not valid GraphQL: see the message.',
};

export async function checkSchema(options: CheckOptions): Promise<CheckReport> {
  const strict = options.strict ?? false;
  const working = options.sources ?? (await readSubgraphSources(options.repoRoot));
  const sources = options.subgraph ? await withPublished(options, working, options.subgraph) : working;

  const proto = await protoChanges({
    repoRoot: options.repoRoot,
    protoDir: options.protoDir ?? 'proto',
    publishedImage: existsOr(join(options.schemaDir, 'proto.binpb')),
  });

  const composition = composeSubgraphs(sources);
  const base = { subgraphs: sources.map((s) => s.name), proto, strict };
  if (!composition.ok) {
    return {
      ...base,
      verdict: 'composition',
      exitCode: EXIT_CODES.composition,
      composition: {
        ok: false,
        problems: composition.problems.map((p) => ({
          ...p,
          hint: HINTS[p.code] ?? 'See the message for what to change.',
        })),
      },
      changes: [],
      impacts: [],
      unusedBreaking: [],
    };
  }

  const publishedApi = await readFile(join(options.schemaDir, 'api.graphql'), 'utf8');
  const oldSchema = buildSchema(publishedApi);
  const newSchema = buildSchema(composition.apiSdl);
  const changes = await schemaChanges(oldSchema, newSchema);
  const breaking = changes.filter((c) => c.severity === 'breaking');
  const operations = await readOperations(join(options.schemaDir, 'operations'));
  const impacts = operationImpacts(operations, oldSchema, newSchema, breaking);
  const used = new Set(impacts.flatMap((i) => i.changes));
  const unusedBreaking = breaking.filter((c) => !used.has(c));

  const verdict: Verdict =
    impacts.some((i) => i.changes.length > 0) || (strict && breaking.length > 0)
      ? 'breaking'
      : impacts.length > 0
        ? 'operations'
        : proto.length > 0
          ? 'proto'
          : 'pass';
  return {
    ...base,
    verdict,
    exitCode: EXIT_CODES[verdict],
    composition: { ok: true, problems: [] },
    changes,
    impacts,
    unusedBreaking,
  };
}

async function withPublished(
  options: CheckOptions,
  working: readonly SubgraphSource[],
  name: string,
): Promise<SubgraphSource[]> {
  if (!working.some((s) => s.name === name)) {
    throw new Error(`unknown subgraph "${name}"; the subgraphs are: ${working.map((s) => s.name).join(', ')}`);
  }
  return Promise.all(
    working.map(async (source) => {
      if (source.name === name) return source;
      const path = join(options.schemaDir, 'subgraphs', `${source.name}.graphql`);
      return { ...source, path, sdl: await readFile(path, 'utf8') };
    }),
  );
}

function existsOr(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}
