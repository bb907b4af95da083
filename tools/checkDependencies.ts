/**
 * `npm run check:dependencies`: fails when a workspace imports a package its package.json does
 * not declare (it then works only because npm hoisted someone else's copy), or declares one that
 * nothing of it imports or runs (an install, an audit entry and a licence for nothing).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dependencyFindings, type Manifest, type SourceFile, type Workspace } from './dependencyCheck.ts';

const repoRoot = join(fileURLToPath(import.meta.url), '../..');
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED = new Set(['node_modules', 'dist', '.stack', 'target', '.git']);

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The workspace folders of the root package.json (`dir` or `dir/*`). */
function workspaceDirs(patterns: readonly string[]): string[] {
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(repoRoot, parent))
      .map((name) => `${parent}/${name}`)
      .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')));
  });
}

function sourcesUnder(dir: string, skip: ReadonlySet<string>): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(join(repoRoot, current), { withFileTypes: true })) {
      const path = current === '.' ? entry.name : `${current}/${entry.name}`;
      if (SKIPPED.has(entry.name) || skip.has(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push({ path, text: readFileSync(join(repoRoot, path), 'utf8') });
      }
    }
  };
  walk(dir);
  return files;
}

function binsOf(packageName: string): readonly string[] {
  const path = join(repoRoot, 'node_modules', packageName, 'package.json');
  if (!existsSync(path)) return [];
  const { bin } = readJson<{ bin?: string | Record<string, string> }>(path);
  if (bin === undefined) return [];
  return typeof bin === 'string' ? [packageName.replace(/^@[^/]+\//, '')] : Object.keys(bin);
}

const rootManifest = readJson<Manifest & { workspaces: string[] }>(join(repoRoot, 'package.json'));
const dirs = workspaceDirs(rootManifest.workspaces);
const workspaces: Workspace[] = dirs.map((dir) => {
  const manifest = readJson<Manifest>(join(repoRoot, dir, 'package.json'));
  return { dir, manifest, files: sourcesUnder(dir, new Set()), commands: Object.values(manifest.scripts ?? {}) };
});
const generators = ['proto/buf.gen.yaml'].filter((path) => statSync(join(repoRoot, path), { throwIfNoEntry: false }));
const root: Workspace = {
  dir: '.',
  manifest: rootManifest,
  files: sourcesUnder('.', new Set(dirs)),
  commands: [
    ...Object.values(rootManifest.scripts ?? {}),
    ...generators.map((path) => readFileSync(join(repoRoot, path), 'utf8')),
  ],
};

const findings = dependencyFindings({ root, workspaces, binsOf });
for (const finding of findings) {
  const manifest = relative(repoRoot, join(repoRoot, finding.dir, 'package.json'));
  console.error(
    finding.kind === 'undeclared'
      ? `${finding.file} imports ${finding.packageName}, which ${manifest} does not declare: add it there.`
      : `${manifest} declares ${finding.packageName}, which nothing of ${finding.dir === '.' ? 'the repository' : finding.dir} imports or runs: remove it.`,
  );
}
if (findings.length > 0) process.exitCode = 1;
else console.log(`dependencies: ${workspaces.length + 1} package.json files declare exactly what they import`);
