import { createRequire } from 'node:module';

import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
const exclude = ['**/node_modules/**', '.stack/**'];
// Integration and e2e files share the engines: one file at a time keeps them independent.
const oneFileAtATime = { pool: 'forks', poolOptions: { forks: { singleFork: true } } } as const;
// The engines require sign-in: specs use the admin credentials of the stack they test against.
const signedIn = { setupFiles: ['stack/src/testing/signInAsAdmin.ts'] };

// The test tier lives in the file name (*.unit / *.int / *.e2e), so each tier is a project.
export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM builds; libraries loaded by Node get the CommonJS one, so our
    // code must too, or two copies of graphql meet and refuse each other's types.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude } },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          ...signedIn,
          ...oneFileAtATime,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/*.e2e.spec.ts'],
          exclude,
          // The whole system starts once for every e2e file (e2e/src/globalSetup.ts).
          globalSetup: ['e2e/src/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          ...signedIn,
          ...oneFileAtATime,
        },
      },
    ],
  },
});
