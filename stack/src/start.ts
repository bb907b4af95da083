/**
 * `npm start`: the whole system on the local engines — the engines (started when they are not
 * running, and migrated), then every service as its own process, until Ctrl-C.
 * `npm start -- --demo [--seed S]` then loads the demo network (`npm run demo`) into it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { repoRoot } from './layout.ts';
import { startServices, stopServices } from './services.ts';

const { values: flags } = parseArgs({
  options: { demo: { type: 'boolean', default: false }, seed: { type: 'string' } },
});

execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'up'], { stdio: 'inherit' });

const running = await startServices();
const gateway = running.find((s) => s.definition.name === 'gateway');
console.log(`\nverograph is up: GraphQL at ${gateway?.url}/graphql, explorer at ${gateway?.url}/`);
console.log('Get a token with `npm run -s token -- <user id>`. Ctrl-C stops the services; the engines keep running');
console.log('(npm run stack -- down stops them).\n');

if (flags.demo) {
  // Its own process, as `npm run demo` runs it: the loader signs in as the stack's admin, which
  // the services never do.
  const demo = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'demo/src/cli.ts'),
      '--explorer',
      `${gateway?.url}/`,
      ...(flags.seed ? ['--seed', flags.seed] : []),
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  demo.on('exit', (code) => {
    if (code !== 0) console.error(`the demo could not be loaded (exit ${code}); the system keeps running`);
  });
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stopServices(running);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const service of running) {
  service.child.on('exit', (code) => {
    if (stopping) return;
    console.error(`${service.definition.name} exited (code ${code}); stopping the others`);
    void stopServices(running).then(() => process.exit(1));
  });
}
