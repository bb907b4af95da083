import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkSchema } from './check/check.ts';
import { staleGenerated, writeGenerated } from './codegen/clientPackage.ts';
import { generateClient } from './codegen/generateClient.ts';
import { renderReport, type ReportFormat } from './check/report.ts';
import { composeSubgraphs, formatProblem, writeComposition } from './compose.ts';
import { diffVersions } from './publish/diff.ts';
import { publishSchema } from './publish/publish.ts';
import { registry } from './publish/registry.ts';
import { readSubgraphSources } from './subgraphs.ts';

/**
 * The schema registry's command line: `npm run schema -- <command>`. Each command is a
 * function returning its exit code, so later checks slot in beside `compose`.
 */
const schemaDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(schemaDir, '..');

type Command = { readonly summary: string; readonly run: (args: readonly string[]) => Promise<number> };

const commands: Record<string, Command> = {
  compose: {
    summary: 'compose subgraphs/*/src/schema.graphql into schema/supergraph.graphql and schema/api.graphql',
    run: async () => {
      const sources = await readSubgraphSources(repoRoot);
      const composition = composeSubgraphs(sources);
      if (!composition.ok) {
        console.error(`composition failed with ${composition.problems.length} error(s):`);
        for (const problem of composition.problems) console.error(formatProblem(problem));
        return 1;
      }
      const written = await writeComposition(schemaDir, sources, composition);
      for (const hint of composition.hints) console.log(`hint [${hint.code}] ${hint.message}`);
      const at = relative(process.cwd(), schemaDir) || '.';
      console.log(`composed ${sources.map((s) => `${s.name} (${s.url})`).join(', ')}`);
      console.log(`wrote ${written.map((file) => `${at}/${file}`).join(', ')}`);
      return 0;
    },
  },
  check: {
    summary:
      'check the working tree against the published schema: [--subgraph NAME] [--strict] [--format text|json|markdown]',
    run: async (args) => {
      const format = option(args, '--format') ?? 'text';
      if (!['text', 'json', 'markdown'].includes(format))
        throw new Error(`--format ${format}: use text, json or markdown`);
      const report = await checkSchema({
        repoRoot,
        schemaDir,
        subgraph: option(args, '--subgraph'),
        strict: args.includes('--strict'),
      });
      console.log(renderReport(report, format as ReportFormat));
      return report.exitCode;
    },
  },
  publish: {
    summary: 'publish the working tree as a new version (the gateway hot-reloads it): --message "why"',
    run: async (args) => {
      const version = await publishSchema({
        repoRoot,
        schemaDir,
        sources: await readSubgraphSources(repoRoot),
        reason: option(args, '--message') ?? option(args, '-m') ?? '',
      });
      console.log(`published ${version.version} by ${version.publisher} at ${version.publishedAt}: ${version.reason}`);
      return 0;
    },
  },
  codegen: {
    summary:
      'generate @verograph/client (packages/client/src/gen): typed documents and the trusted-documents manifest; --check: fail if stale',
    run: async (args) => {
      const generatedDir = resolve(repoRoot, 'packages/client/src/gen');
      const files = await generateClient(schemaDir);
      const at = relative(process.cwd(), generatedDir) || '.';
      if (args.includes('--check')) {
        const stale = await staleGenerated(generatedDir, files);
        if (stale.length === 0) {
          console.log(`${at} is up to date with schema/api.graphql and schema/operations`);
          return 0;
        }
        console.error(`${at} is stale; run \`npm run schema -- codegen\` and commit the result:`);
        for (const problem of stale) console.error(`  ${problem}`);
        return 6;
      }
      await writeGenerated(generatedDir, files);
      console.log(`wrote ${files.map((file) => `${at}/${file.name}`).join(', ')}`);
      return 0;
    },
  },
  history: {
    summary: 'list the published versions: who, when and why',
    run: async () => {
      for (const v of await registry(schemaDir).versions()) {
        console.log(`${v.version}  ${v.publishedAt}  ${v.publisher}  ${v.commit?.slice(0, 10) ?? '-'}  ${v.reason}`);
      }
      return 0;
    },
  },
  diff: {
    summary: 'compare two published versions: diff vNNNN vNNNN',
    run: async ([from, to]) => {
      if (!from || !to) throw new Error('usage: npm run schema -- diff v0001 v0002');
      const result = await diffVersions(repoRoot, schemaDir, from, to);
      console.log(
        `${from} → ${to}: ${result.changes.length} schema change(s), ${result.proto.length} protobuf breaking change(s)`,
      );
      for (const c of result.changes) console.log(`  ${c.severity.toUpperCase().padEnd(9)} ${c.message}`);
      for (const p of result.proto) console.log(`  PROTO     ${p.rule} ${p.file}:${p.line}: ${p.message}`);
      return 0;
    },
  },
};

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return ['usage: npm run schema -- <command>', '', 'commands:', ...lines].join('\n');
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  console.error(name ? `unknown command "${name}"\n\n${usage()}` : usage());
  process.exitCode = 2;
} else {
  process.exitCode = await command.run(args).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  });
}
