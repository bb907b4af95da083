/**
 * `npm start`: the whole system on the local engines — the engines (started when they are not
 * running, and migrated), then every service as its own process, until Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { repoRoot } from './layout.ts';
import { startServices, stopServices } from './services.ts';

execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/cli.ts'), 'up'], { stdio: 'inherit' });

const running = await startServices();
const gateway = running.find((s) => s.definition.name === 'gateway');
console.log(`\nverograph is up: GraphQL at ${gateway?.url}/graphql, explorer at ${gateway?.url}/`);
console.log('Get a token with `npm run -s token -- <user id>`. Ctrl-C stops the services; the engines keep running');
console.log('(npm run stack -- down stops them).\n');

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
