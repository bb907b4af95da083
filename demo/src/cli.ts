import { parseArgs } from 'node:util';

import { signInAsAdmin } from '@verograph/stack';

import { defaultSize } from './network.ts';
import { runDemo } from './runDemo.ts';

/**
 * `npm run demo [-- --seed S --users N --readers N --posts N --explorer URL]`: loads the demo network into
 * the running system (start it with `npm start`, or both at once with `npm start -- --demo`).
 * Signs in to the engines as the stack's admin (STACK_DIR's credentials) unless KAFKA_* and
 * CASSANDRA_* credentials are set: the loader is a trusted tool, like the tests.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: 'verograph' },
    users: { type: 'string', default: String(defaultSize.users) },
    readers: { type: 'string', default: String(defaultSize.readers) },
    posts: { type: 'string', default: String(defaultSize.posts) },
    explorer: { type: 'string', default: process.env.DEMO_EXPLORER_URL ?? 'http://127.0.0.1:4000/' },
  },
});

const atLeast = (min: number) => (name: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number of at least ${min}, not "${raw}"`);
  return n;
};
const positive = atLeast(2);

try {
  signInAsAdmin();
  await runDemo({
    seed: values.seed,
    size: {
      ...defaultSize,
      users: positive('users', values.users),
      readers: atLeast(0)('readers', values.readers),
      posts: positive('posts', values.posts),
    },
    explorerUrl: values.explorer,
    ...(process.env.WRITERS_GROUP_PREFIX ? { writersGroupPrefix: process.env.WRITERS_GROUP_PREFIX } : {}),
    ...(process.env.PROJECTORS_GROUP_PREFIX ? { projectorsGroupPrefix: process.env.PROJECTORS_GROUP_PREFIX } : {}),
  });
  process.exit(0);
} catch (error) {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
