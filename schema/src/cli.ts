import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { composeSubgraphs, formatProblem, writeComposition } from './compose.ts';
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
};

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
