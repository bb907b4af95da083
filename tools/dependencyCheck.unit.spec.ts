import { describe, expect, it } from 'vitest';

import { dependencyFindings, importedPackages, packageOf, type Workspace } from './dependencyCheck.ts';

const workspace = (dir: string, manifest: Workspace['manifest'], files: Record<string, string>): Workspace => ({
  dir,
  manifest,
  files: Object.entries(files).map(([path, text]) => ({ path: `${dir}/${path}`, text })),
  commands: Object.values(manifest.scripts ?? {}),
});

const bins: Record<string, string[]> = { tsx: ['tsx'], typescript: ['tsc', 'tsserver'], vitest: ['vitest'] };
const binsOf = (name: string) => bins[name] ?? [];

describe('imported packages', () => {
  it('names the package of every import form, types and re-exports included, and skips relative and built-in ones', () => {
    // Spelled so that the check, reading this file, does not take these examples for its imports.
    const [dynamicImport, requireCall] = ['import', 'require'];
    const text = [
      "import { a } from '@scope/pkg/deep/path.js';",
      "import type { B } from 'typed-only';",
      'import {\n  c,\n  d,\n} from "multi-line";',
      "import 'side-effect';",
      "export * from 're-exported/sub';",
      "export { e } from './relative.ts';",
      `const f = await ${dynamicImport}('dynamic');`,
      `const h = await ${dynamicImport}('untyped' as string);`,
      `const g = ${requireCall}.resolve('resolved');`,
      "import { readFile } from 'node:fs/promises';",
      "import { join } from 'path';",
      "const text = 'not an import from here';",
    ].join('\n');
    expect([...importedPackages(text)].sort()).toEqual([
      '@scope/pkg',
      'dynamic',
      'multi-line',
      're-exported',
      'resolved',
      'side-effect',
      'typed-only',
      'untyped',
    ]);
    expect(packageOf('fs')).toBeUndefined();
    expect(packageOf('@verograph/gateway/testing')).toBe('@verograph/gateway');
  });
});

describe('dependency findings', () => {
  const root = workspace(
    '.',
    {
      devDependencies: { vitest: '*', typescript: '*', '@types/node': '*', '@types/pg': '*', stray: '*' },
      scripts: { typecheck: 'tsc --noEmit' },
    },
    { 'vitest.config.ts': "import { defineConfig } from 'vitest/config';" },
  );

  it('reports an import the workspace does not declare, and a declaration nothing imports', () => {
    const contracts = workspace(
      'packages/contracts',
      { name: '@x/contracts', dependencies: { jose: '*' } },
      {
        'src/gen/a_pb.ts': "import { create } from '@bufbuild/protobuf';\nimport { self } from '@x/contracts/a';",
      },
    );
    expect(dependencyFindings({ root, workspaces: [contracts], binsOf })).toEqual([
      {
        kind: 'undeclared',
        dir: 'packages/contracts',
        packageName: '@bufbuild/protobuf',
        file: 'packages/contracts/src/gen/a_pb.ts',
      },
      { kind: 'unused', dir: 'packages/contracts', packageName: 'jose' },
      // Nothing imports a built-in module or pg: their types are unused too.
      { kind: 'unused', dir: '.', packageName: '@types/node' },
      { kind: 'unused', dir: '.', packageName: '@types/pg' },
      { kind: 'unused', dir: '.', packageName: 'stray' },
    ]);
  });

  it('counts a package as used when a script runs its bin or it types what is imported', () => {
    const service = workspace(
      'service',
      { dependencies: { pg: '*', tsx: '*' }, scripts: { start: 'tsx src/main.ts' } },
      { 'src/main.ts': "import pg from 'pg';\nimport { join } from 'node:path';" },
    );
    const findings = dependencyFindings({ root, workspaces: [service], binsOf });
    expect(findings).toEqual([{ kind: 'unused', dir: '.', packageName: 'stray' }]);
  });

  it("lets spec files use the root's test runner, but not a helper that ships in the workspace", () => {
    const writers = workspace(
      'writers',
      { dependencies: {} },
      {
        'src/decide.unit.spec.ts': "import { it } from 'vitest';",
        'src/testing/deciderSpec.ts': "import { expect } from 'vitest';",
      },
    );
    expect(dependencyFindings({ root, workspaces: [writers], binsOf })).toContainEqual({
      kind: 'undeclared',
      dir: 'writers',
      packageName: 'vitest',
      file: 'writers/src/testing/deciderSpec.ts',
    });
    expect(
      dependencyFindings({ root, workspaces: [writers], binsOf }).filter((f) => f.kind === 'undeclared'),
    ).toHaveLength(1);
  });
});
