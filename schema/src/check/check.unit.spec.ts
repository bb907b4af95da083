/**
 * The schema check against real fixtures: the real subgraph SDL and protobuf contracts,
 * published into a temporary registry, then changed the ways backend teams change them.
 */
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readSubgraphSources, type SubgraphSource } from '../subgraphs.ts';
import { publishSchema } from '../publish/publish.ts';
import { checkSchema, EXIT_CODES } from './check.ts';
import { renderReport } from './report.ts';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
let schemaDir: string;
let published: SubgraphSource[];
const protoCopies: string[] = [];

const OPERATIONS = {
  'Profile.graphql': `query Profile($id: ID!) {
    user(id: $id) { id username bio viewerConnectionLevel posts(first: 5, kind: PHOTO) { edges { node { id audience caption } } } }
  }`,
  'CreatePost.graphql': `mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { status post { id } } }`,
};

beforeAll(async () => {
  schemaDir = mkdtempSync(join(tmpdir(), 'schema-registry-'));
  mkdirSync(join(schemaDir, 'operations'));
  for (const [name, text] of Object.entries(OPERATIONS)) writeFileSync(join(schemaDir, 'operations', name), text);
  published = await readSubgraphSources(repoRoot);
  await publishSchema({ repoRoot, schemaDir, sources: published, reason: 'baseline for the check tests' });
});

afterAll(() => {
  for (const dir of [schemaDir, ...protoCopies]) rmSync(dir, { recursive: true, force: true });
});

/** The published SDL with one subgraph's text edited. */
function changed(name: string, edit: (sdl: string) => string): SubgraphSource[] {
  return published.map((s) => {
    if (s.name !== name) return s;
    const sdl = edit(s.sdl);
    expect(sdl, 'the fixture edit must change something').not.toBe(s.sdl);
    return { ...s, sdl };
  });
}

const check = (sources: SubgraphSource[], extra: { strict?: boolean; protoDir?: string } = {}) =>
  checkSchema({ repoRoot, schemaDir, sources, ...extra });

// Each check runs buf twice and composes four subgraphs: seconds, not milliseconds.
describe('npm run schema -- check', { timeout: 30_000 }, () => {
  it('passes a clean change and classes it safe', async () => {
    const report = await check(
      changed('users', (s) => s.replace('  bio: String!\n', '  bio: String!\n  pronouns: String\n')),
    );
    expect(report.exitCode).toBe(EXIT_CODES.pass);
    expect(report.changes).toEqual([expect.objectContaining({ severity: 'safe', path: 'User.pronouns' })]);
    expect(renderReport(report, 'text')).toContain('PASS');
  });

  it('fails a composition error, naming the subgraph, the place and a hint', async () => {
    const report = await check(
      changed('posts', (s) => s.replace(/(type User @key\(fields: "id"\) \{\n {2}id: ID!\n)/, '$1  username: Int!\n')),
    );
    expect(report.exitCode).toBe(EXIT_CODES.composition);
    const problem = report.composition.problems[0]!;
    expect(problem.subgraphs).toEqual(expect.arrayContaining(['posts']));
    expect(problem.locations.length).toBeGreaterThan(0);
    expect(problem.hint.length).toBeGreaterThan(10);
  });

  it('fails removing a field that a registered operation uses, and names the operation', async () => {
    const report = await check(changed('users', (s) => s.replace('  bio: String!\n', '')));
    expect(report.exitCode).toBe(EXIT_CODES.breaking);
    expect(report.impacts).toEqual([
      expect.objectContaining({ operation: 'Profile', changes: [expect.objectContaining({ path: 'User.bio' })] }),
    ]);
    expect(renderReport(report, 'markdown')).toMatch(/### Affected operations[\s\S]*`Profile`/);
  });

  it('reports, but passes, removing a field that no registered operation uses — unless strict', async () => {
    const sources = changed('users', (s) => s.replace('  avatarUrl: String\n', ''));
    const report = await check(sources);
    expect(report.exitCode).toBe(EXIT_CODES.pass);
    expect(report.unusedBreaking).toEqual([expect.objectContaining({ severity: 'breaking', path: 'User.avatarUrl' })]);
    expect((await check(sources, { strict: true })).exitCode).toBe(EXIT_CODES.breaking);
  });

  it("covers changing a field's type", async () => {
    const report = await check(changed('users', (s) => s.replace('  username: String!\n', '  username: Int!\n')));
    expect(report.changes).toContainEqual(expect.objectContaining({ severity: 'breaking', path: 'User.username' }));
    expect(report.exitCode).toBe(EXIT_CODES.breaking);
  });

  it('covers nullability in each direction, for outputs and inputs', async () => {
    const outputLoosened = await check(changed('users', (s) => s.replace('  bio: String!\n', '  bio: String\n')));
    expect(outputLoosened.changes).toContainEqual(expect.objectContaining({ severity: 'breaking', path: 'User.bio' }));
    expect(outputLoosened.exitCode).toBe(EXIT_CODES.breaking);

    const outputTightened = await check(
      changed('users', (s) => s.replace('  avatarUrl: String\n', '  avatarUrl: String!\n')),
    );
    expect(outputTightened.changes).toContainEqual(
      expect.objectContaining({ severity: 'safe', path: 'User.avatarUrl' }),
    );
    expect(outputTightened.exitCode).toBe(EXIT_CODES.pass);

    const inputTightened = await check(
      changed('posts', (s) => s.replace(/(input CreatePostInput \{[\s\S]*?)caption: String\n/, '$1caption: String!\n')),
    );
    expect(inputTightened.changes).toContainEqual(
      expect.objectContaining({ severity: 'breaking', path: 'CreatePostInput.caption' }),
    );
    expect(inputTightened.impacts.map((i) => i.operation)).toEqual(['CreatePost']);
  });

  it('covers removing an enum value', async () => {
    const report = await check(changed('posts', (s) => s.replace(/(enum Audience \{[\s\S]*?) {2}FRIENDS\n/, '$1')));
    expect(report.changes).toContainEqual(expect.objectContaining({ severity: 'breaking', path: 'Audience.FRIENDS' }));
    expect(report.impacts.map((i) => i.operation).sort()).toEqual(['CreatePost', 'Profile']);
    expect(report.exitCode).toBe(EXIT_CODES.breaking);
  });

  it('covers making an argument required', async () => {
    const report = await check(
      changed('posts', (s) =>
        s.replace(
          'posts(first: Int = 20, after: String, kind: PostKind)',
          'posts(first: Int = 20, after: String, kind: PostKind!)',
        ),
      ),
    );
    expect(report.changes).toContainEqual(expect.objectContaining({ severity: 'breaking', path: 'User.posts.kind' }));
    expect(report.impacts.map((i) => i.operation)).toEqual(['Profile']);
  });

  describe('protobuf', () => {
    function protoCopy(edit: (text: string) => string, file = 'verograph/posts/v1/commands.proto'): string {
      // buf resolves inputs under the working directory, so the copy lives inside the repository's ignored folder.
      const dir = mkdtempSync(join(repoRoot, '.stack', 'proto-'));
      protoCopies.push(dir);
      cpSync(join(repoRoot, 'proto'), dir, { recursive: true });
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const next = edit(text);
      expect(next).not.toBe(text);
      writeFileSync(path, next);
      return relative(repoRoot, dir);
    }

    it('fails reusing a field number', async () => {
      const protoDir = protoCopy((t) =>
        t.replace('  string url = 6;\n  repeated string tags = 7;', '  string url = 6;\n  repeated string tags = 6;'),
      );
      const report = await check(published, { protoDir });
      expect(report.exitCode).toBe(EXIT_CODES.proto);
      expect(report.proto.length).toBeGreaterThan(0);
    });

    it("fails changing a field's type", async () => {
      const protoDir = protoCopy((t) => t.replace('string caption = 5;', 'int64 caption = 5;'));
      const report = await check(published, { protoDir });
      expect(report.exitCode).toBe(EXIT_CODES.proto);
      expect(report.proto).toContainEqual(
        expect.objectContaining({ kind: 'breaking', rule: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE' }),
      );
    });

    it('passes adding a field', async () => {
      const protoDir = protoCopy((t) =>
        t.replace('  string url = 6;\n', '  string url = 6;\n  string location = 99;\n'),
      );
      const report = await check(published, { protoDir });
      expect(report.proto).toEqual([]);
      expect(report.exitCode).toBe(EXIT_CODES.pass);
    });
  });
});
