/**
 * Whether each workspace declares exactly what it imports: pure logic over the workspaces'
 * manifests and source texts (checkDependencies.ts reads them from disk).
 */
import { builtinModules } from 'node:module';

/** The parts of a package.json this check reads. */
export interface Manifest {
  readonly name?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly scripts?: Readonly<Record<string, string>>;
}

export interface SourceFile {
  /** Relative to the repository, for the report. */
  readonly path: string;
  readonly text: string;
}

export interface Workspace {
  /** The folder, relative to the repository ('.' for the root). */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly files: readonly SourceFile[];
  /**
   * Text that runs commands without importing anything: the package.json scripts, and for the
   * root the code generators' configuration (buf.gen.yaml runs protoc-gen-es).
   */
  readonly commands: readonly string[];
}

export type Finding =
  | { readonly kind: 'undeclared'; readonly dir: string; readonly packageName: string; readonly file: string }
  | { readonly kind: 'unused'; readonly dir: string; readonly packageName: string };

const BUILTINS = new Set(builtinModules);

/** The package a bare import specifier names; undefined for relative paths and Node's built-in modules. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (BUILTINS.has(name) || BUILTINS.has(specifier)) return undefined;
  return name;
}

const IMPORT_PATTERNS = [
  // Static imports and re-exports, type-only ones included; bare side-effect imports.
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s*)?['"]([^'"\n]+)['"]/g,
  // Dynamic imports (also with `as string` after the name, which TypeScript does not follow), require and require.resolve.
  /\b(?:import|require(?:\.resolve)?)\s*\(\s*['"]([^'"\n]+)['"]\s*(?:as\s+string\s*)?\)/g,
  // Triple-slash type references.
  /\/\/\/\s*<reference\s+types=["']([^"']+)["']/g,
];

/** Every package a source text imports (types included), by name. */
export function importedPackages(text: string): Set<string> {
  const found = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const name = packageOf(match[1]!);
      if (name !== undefined) found.add(name);
    }
  }
  return found;
}

/** Whether any file imports one of Node's built-in modules, which `@types/node` types. */
function importsBuiltins(files: readonly SourceFile[]): boolean {
  return files.some((file) => /['"]node:[a-z_/]+['"]/.test(file.text));
}

function declared(manifest: Manifest): Set<string> {
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
}

/** Test files may import the root's test tooling (vitest): one copy for the whole repository. */
const isTestFile = (path: string) => /\.(unit|int|e2e)\.spec\.ts$/.test(path) || path.endsWith('.spec.ts');

export interface CheckInput {
  readonly root: Workspace;
  readonly workspaces: readonly Workspace[];
  /** The commands each installed package provides (package.json `bin`), by package name. */
  readonly binsOf: (packageName: string) => readonly string[];
}

/**
 * A package is undeclared when a workspace's file imports it and the workspace's package.json
 * does not list it (its own name excepted; spec files may use the root's devDependencies, the
 * repository's one test runner). A declared package is unused when nothing of the workspace
 * imports it, no command it runs calls its bin, and, for `@types/x`, nothing imports `x`.
 * The root's devDependencies are used when the root's own files import them, any script runs
 * them, a spec file leans on them, or (types) any workspace imports what they type.
 */
export function dependencyFindings({ root, workspaces, binsOf }: CheckInput): Finding[] {
  const findings: Finding[] = [];
  const rootTools = declared(root.manifest);
  const rootCommands = [...root.commands];
  const importsOf = (workspace: Workspace) => {
    const all = new Set<string>();
    for (const file of workspace.files) for (const name of importedPackages(file.text)) all.add(name);
    return all;
  };
  const runs = (commands: readonly string[], packageName: string) =>
    binsOf(packageName).some((bin) =>
      commands.some((command) => new RegExp(`(^|[\\s/&|;(])${escape(bin)}(\\s|$)`, 'm').test(command)),
    );
  const usedBy = (workspace: Workspace, imports: Set<string>, commands: readonly string[], name: string) => {
    if (imports.has(name) || runs(commands, name)) return true;
    if (!name.startsWith('@types/')) return false;
    const typed = name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2');
    return imports.has(typed) || (typed === 'node' && importsBuiltins(workspace.files));
  };

  const everyImport = new Set<string>();
  const everyCommand = [...rootCommands];
  /** Root devDependencies that a spec file imports without its workspace declaring them. */
  const lentByRoot = new Set<string>();
  for (const workspace of [root, ...workspaces]) {
    const imports = importsOf(workspace);
    for (const name of imports) everyImport.add(name);
    everyCommand.push(...workspace.commands);
    const own = declared(workspace.manifest);
    for (const file of workspace.files) {
      for (const name of importedPackages(file.text)) {
        if (own.has(name) || name === workspace.manifest.name) continue;
        if (isTestFile(file.path) && rootTools.has(name)) {
          lentByRoot.add(name);
          continue;
        }
        findings.push({ kind: 'undeclared', dir: workspace.dir, packageName: name, file: file.path });
      }
    }
    if (workspace === root) continue;
    for (const name of own) {
      if (!usedBy(workspace, imports, workspace.commands, name)) {
        findings.push({ kind: 'unused', dir: workspace.dir, packageName: name });
      }
    }
  }
  const everything: Workspace = { ...root, files: [...root.files, ...workspaces.flatMap((w) => w.files)] };
  const rootImports = importsOf(root);
  for (const name of rootTools) {
    const typesSomething = name.startsWith('@types/') && usedBy(everything, everyImport, [], name);
    if (!usedBy(root, rootImports, everyCommand, name) && !lentByRoot.has(name) && !typesSomething) {
      findings.push({ kind: 'unused', dir: root.dir, packageName: name });
    }
  }
  return dedupe(findings);
}

/** One finding per workspace and package: the first file that imports it names the place. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.kind}\u0000${finding.dir}\u0000${finding.packageName}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
