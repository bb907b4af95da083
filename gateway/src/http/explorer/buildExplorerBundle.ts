import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** One built file of the explorer, with its entity tag for conditional requests. */
export interface ExplorerAsset {
  readonly body: Buffer;
  readonly etag: string;
}

export interface ExplorerBundle {
  readonly script: ExplorerAsset;
  readonly style: ExplorerAsset;
}

/** Browsers GraphiQL 3 supports; esbuild lowers newer syntax for them. */
const BROWSER_TARGETS = ['chrome100', 'edge100', 'firefox100', 'safari15'];

/**
 * Bundles the explorer's browser side (browser/explorerApp.ts: React, GraphiQL and the
 * graphql-ws client, from node_modules) into one script and one stylesheet, in memory, with
 * esbuild. Nothing is fetched from the internet, then or when the page runs. It runs when the
 * explorer is first asked for (about a second), so no install, start or test path needs a
 * build step of its own, and a gateway nobody opens the explorer on never pays for it.
 */
export async function buildExplorerBundle(): Promise<ExplorerBundle> {
  const { build } = await import('esbuild');
  // Resolved through the package's exports, so this holds from src/ and from dist/gateway/main.mjs.
  const entry = createRequire(import.meta.url).resolve('@verograph/gateway/explorer-app');
  const result = await build({
    entryPoints: { explorer: entry },
    bundle: true,
    write: false,
    outdir: 'explorer',
    format: 'iife',
    platform: 'browser',
    target: BROWSER_TARGETS,
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    charset: 'utf8',
    logLevel: 'silent',
  });
  const file = (extension: string): ExplorerAsset => {
    const output = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (!output) throw new Error(`esbuild wrote no ${extension} file for the explorer`);
    const body = Buffer.from(output.contents);
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  };
  return { script: file('.js'), style: file('.css') };
}
