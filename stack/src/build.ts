/**
 * `npm run build`: one self-contained ES module per deployable, `dist/<service>/main.mjs` (gateway, each
 * subgraph, writers, projectors), bundling the workspace's own packages and leaving npm
 * dependencies to node_modules. Types are checked separately by `npm run typecheck`.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { build, type Plugin } from 'esbuild';

import { repoRoot } from './layout.ts';
import { services } from './services.ts';

/** npm packages stay imports; our own packages (`@verograph/*`) and relative files are bundled. */
const npmDependenciesExternal: Plugin = {
  name: 'npm-dependencies-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@verograph/') || args.path.startsWith('node:')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

const outdir = join(repoRoot, 'dist');
rmSync(outdir, { recursive: true, force: true });
const started = performance.now();
for (const service of services) {
  // dist/<service>/ sits two levels below the root, like <package>/src/, so paths resolved
  // from import.meta.url (the repository root, a subgraph's schema.graphql) hold in both.
  const serviceDir = join(outdir, service.name);
  await build({
    entryPoints: { main: join(repoRoot, service.entry) },
    outdir: serviceDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    plugins: [npmDependenciesExternal],
    logLevel: 'warning',
  });
  const sdl = join(repoRoot, dirname(service.entry), 'schema.graphql');
  if (existsSync(sdl)) copyFileSync(sdl, join(serviceDir, 'schema.graphql'));
}
console.log(
  `built ${services.map((s) => `dist/${s.name}/main.mjs`).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
