import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { composeServices } from '@apollo/composition';
import { printSchema } from '@apollo/federation-internals';
import { getLocation, GraphQLError, parse, Source, type DocumentNode } from 'graphql';

import type { SubgraphSource } from './subgraphs.ts';

/** Where a composition problem sits in a subgraph's SDL file (1-based line and column). */
export interface SdlLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One reason the subgraphs do not compose, named after the subgraphs it involves. */
export interface CompositionProblem {
  /** Federation's error code, e.g. FIELD_TYPE_MISMATCH, INVALID_GRAPHQL, or GRAPHQL_PARSE_FAILED. */
  readonly code: string;
  readonly message: string;
  /** The subgraphs involved; empty only when federation names none. */
  readonly subgraphs: readonly string[];
  readonly locations: readonly SdlLocation[];
}

export type Composition =
  | {
      readonly ok: true;
      /** The supergraph the gateway loads, with each subgraph's routing URL. */
      readonly supergraphSdl: string;
      /** The client-facing API schema: what frontend operations are checked against. */
      readonly apiSdl: string;
      readonly hints: readonly { readonly code: string; readonly message: string }[];
    }
  | { readonly ok: false; readonly problems: readonly CompositionProblem[] };

/**
 * Composes the subgraphs into a Federation 2 supergraph. Never throws for bad SDL: a subgraph
 * that does not parse, or subgraphs that do not fit together, come back as problems that name
 * the subgraph and the line, so a team sees at once whose change broke composition.
 */
export function composeSubgraphs(sources: readonly SubgraphSource[]): Composition {
  const parsed: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const problems: CompositionProblem[] = [];
  for (const source of sources) {
    try {
      // Naming the Source after the file puts the file in every location federation reports.
      parsed.push({ name: source.name, url: source.url, typeDefs: parse(new Source(source.sdl, source.path)) });
    } catch (error) {
      problems.push(problemFrom(asGraphQLError(error, 'GRAPHQL_PARSE_FAILED'), sources, source.name));
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const result = composeServices(parsed);
  if (result.errors) return { ok: false, problems: result.errors.map((error) => problemFrom(error, sources)) };
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    apiSdl: printSchema(result.schema.toAPISchema()),
    hints: result.hints.map((hint) => ({ code: hint.definition.code, message: hint.message })),
  };
}

/** Where `writeComposition` puts each artifact, relative to the schema package's folder. */
export const ARTIFACTS = {
  supergraph: 'supergraph.graphql',
  api: 'api.graphql',
  publishedSubgraph: (name: string) => join('subgraphs', `${name}.graphql`),
} as const;

/**
 * Publishes a successful composition: each subgraph's SDL as composed, the supergraph and the
 * API schema. Each file is written beside its final name and renamed into place, so a gateway
 * watching the supergraph never reads half a file.
 */
export async function writeComposition(
  schemaDir: string,
  sources: readonly SubgraphSource[],
  composition: Extract<Composition, { ok: true }>,
): Promise<string[]> {
  const files: [string, string][] = [
    ...sources.map((source): [string, string] => [ARTIFACTS.publishedSubgraph(source.name), source.sdl]),
    [ARTIFACTS.api, composition.apiSdl.endsWith('\n') ? composition.apiSdl : `${composition.apiSdl}\n`],
    // The supergraph last: it is what the gateway watches, and the others should be in place when it changes.
    [ARTIFACTS.supergraph, composition.supergraphSdl],
  ];
  for (const [relative, text] of files) await writeAtomically(join(schemaDir, relative), text);
  return files.map(([relative]) => relative);
}

/** One line per problem plus one per location, as a reviewer wants to read it in CI. */
export function formatProblem(problem: CompositionProblem): string {
  const who = problem.subgraphs.length > 0 ? problem.subgraphs.join(', ') : 'supergraph';
  const lines = [`✗ [${problem.code}] ${who}: ${problem.message}`];
  for (const at of problem.locations) lines.push(`    at ${at.file}:${at.line}:${at.column}`);
  return lines.join('\n');
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}

function problemFrom(
  error: GraphQLError,
  sources: readonly SubgraphSource[],
  knownSubgraph?: string,
): CompositionProblem {
  const nameByPath = new Map(sources.map((source) => [source.path, source.name]));
  const subgraphs = new Set<string>(knownSubgraph ? [knownSubgraph] : []);
  const locations: SdlLocation[] = [];
  for (const node of error.nodes ?? []) {
    const source = node.loc?.source;
    if (!source || !node.loc) continue;
    const name = nameByPath.get(source.name);
    if (name) subgraphs.add(name);
    const { line, column } = getLocation(source, node.loc.start);
    locations.push({ file: source.name, line, column });
  }
  if (locations.length === 0 && error.source && error.locations) {
    const name = nameByPath.get(error.source.name);
    if (name) subgraphs.add(name);
    for (const { line, column } of error.locations) locations.push({ file: error.source.name, line, column });
  }
  // Errors found inside one subgraph are prefixed "[name] " by federation and may carry no node.
  const prefixed = /^\[([A-Za-z0-9_-]+)\] /.exec(error.message);
  if (prefixed?.[1] && sources.some((source) => source.name === prefixed[1])) subgraphs.add(prefixed[1]);
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'COMPOSITION_FAILED';
  return { code, message: error.message, subgraphs: [...subgraphs], locations };
}

function asGraphQLError(error: unknown, code: string): GraphQLError {
  if (error instanceof GraphQLError) {
    return new GraphQLError(error.message, {
      source: error.source,
      positions: error.positions,
      extensions: { ...error.extensions, code },
    });
  }
  return new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code } });
}
