import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { assertObjectType, buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';

import { composeSubgraphs, formatProblem, writeComposition, type Composition } from './compose.ts';
import { readSubgraphSources, type SubgraphSource } from './subgraphs.ts';
import { envReader } from '@verograph/service';

const schemaDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(schemaDir, '..');

function composed(composition: Composition): Extract<Composition, { ok: true }> {
  if (!composition.ok) throw new Error(composition.problems.map(formatProblem).join('\n'));
  return composition;
}

function withSdl(sources: SubgraphSource[], name: string, edit: (sdl: string) => string): SubgraphSource[] {
  return sources.map((source) => (source.name === name ? { ...source, sdl: edit(source.sdl) } : source));
}

describe('composing the subgraphs', () => {
  it('composes the five subgraphs with their routing URLs, defaults and env overrides', async () => {
    const env = envReader({ SEARCH_SUBGRAPH_URL: 'http://search.internal:8080/graphql' });
    const sources = await readSubgraphSources(repoRoot, env);
    const { supergraphSdl, apiSdl } = composed(composeSubgraphs(sources));

    expect(supergraphSdl).toContain('@join__graph(name: "users", url: "http://127.0.0.1:4001/graphql")');
    expect(supergraphSdl).toContain('@join__graph(name: "posts", url: "http://127.0.0.1:4002/graphql")');
    expect(supergraphSdl).toContain('@join__graph(name: "collections", url: "http://127.0.0.1:4003/graphql")');
    expect(supergraphSdl).toContain('@join__graph(name: "search", url: "http://search.internal:8080/graphql")');
    expect(supergraphSdl).toContain('@join__graph(name: "insights", url: "http://127.0.0.1:4005/graphql")');
    // The API schema is what clients see: the contract's names, none of federation's machinery.
    const api = buildSchema(apiSdl);
    expect(Object.keys(api.getQueryType()?.getFields() ?? {}).sort()).toEqual(
      ['collection', 'feed', 'me', 'post', 'search', 'trendingTags', 'user'].sort(),
    );
    // What only its owner may read hangs off User and is answered through `me` (issue 15's contract).
    const user = assertObjectType(api.getType('User'));
    expect(Object.keys(user.getFields())).toEqual(
      expect.arrayContaining([
        'connections',
        'connectionRequests',
        'notifications',
        'unreadNotificationCount',
        'insights',
      ]),
    );
    expect(api.getType('Viewer')).toBeUndefined();
    expect(api.getType('SearchResult')).toBeDefined();
    expect(apiSdl).not.toMatch(/join__|_entities|_service|@link/);
  });

  it('names the subgraph, the code and the line when one subgraph does not parse', async () => {
    const sources = withSdl(await readSubgraphSources(repoRoot), 'posts', (sdl) => `${sdl}\ntype Broken {`);
    const composition = composeSubgraphs(sources);

    expect(composition.ok).toBe(false);
    if (composition.ok) return;
    expect(composition.problems).toHaveLength(1);
    const [problem] = composition.problems;
    expect(problem).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', subgraphs: ['posts'] });
    expect(problem?.locations[0]?.file).toBe('subgraphs/posts/src/schema.graphql');
  });

  it('names every subgraph involved when their types do not fit together', async () => {
    const sources = withSdl(await readSubgraphSources(repoRoot), 'posts', (sdl) =>
      sdl.replace(
        /type PageInfo @shareable \{\n {2}hasNextPage: Boolean!/,
        'type PageInfo @shareable {\n  hasNextPage: String!',
      ),
    );
    const composition = composeSubgraphs(sources);

    expect(composition.ok).toBe(false);
    if (composition.ok) return;
    const mismatch = composition.problems.find((problem) => problem.code === 'FIELD_TYPE_MISMATCH');
    expect(mismatch?.subgraphs).toEqual(expect.arrayContaining(['posts', 'collections', 'search']));
    expect(formatProblem(mismatch!)).toMatch(
      /^✗ \[FIELD_TYPE_MISMATCH\] .*PageInfo\.hasNextPage[\s\S]*at subgraphs\/posts\/src\/schema\.graphql:\d+:\d+/,
    );
  });

  it('publishes the subgraph copies, the supergraph and the API schema', async () => {
    const sources = await readSubgraphSources(repoRoot);
    const composition = composed(composeSubgraphs(sources));
    const out = await mkdtemp(join(tmpdir(), 'schema-compose-'));
    try {
      const written = await writeComposition(out, sources, composition);
      expect(written).toEqual([
        'subgraphs/users.graphql',
        'subgraphs/posts.graphql',
        'subgraphs/collections.graphql',
        'subgraphs/search.graphql',
        'subgraphs/insights.graphql',
        'api.graphql',
        'supergraph.graphql',
      ]);
      expect(await readFile(join(out, 'supergraph.graphql'), 'utf8')).toBe(composition.supergraphSdl);
      expect(await readFile(join(out, 'subgraphs/posts.graphql'), 'utf8')).toBe(sources[1]?.sdl);
      // No temporary file is left behind by the write-then-rename.
      expect((await readdir(out)).sort()).toEqual(['api.graphql', 'subgraphs', 'supergraph.graphql']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe("the frontend teams' operations", () => {
  it('are each valid against the composed API schema', async () => {
    const api = buildSchema(composed(composeSubgraphs(await readSubgraphSources(repoRoot))).apiSdl);
    const dir = join(schemaDir, 'operations');
    const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const errors = validate(api, parse(await readFile(join(dir, file), 'utf8')));
      expect({ file, errors: errors.map((error) => error.message) }).toEqual({ file, errors: [] });
    }
  });

  it('use every mutation of the client contract', async () => {
    const api = buildSchema(composed(composeSubgraphs(await readSubgraphSources(repoRoot))).apiSdl);
    const dir = join(schemaDir, 'operations');
    const used = new Set<string>();
    for (const file of await readdir(dir)) {
      for (const match of (await readFile(join(dir, file), 'utf8')).matchAll(/^ {2}(\w+)\(/gm)) used.add(match[1]!);
    }
    const mutations = Object.keys(api.getMutationType()?.getFields() ?? {});
    expect(mutations.filter((name) => !used.has(name))).toEqual([]);
  });
});
