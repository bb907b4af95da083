import { defineConfig } from 'vitest/config';

// The test tier lives in the file name (*.unit / *.int / *.e2e), so each tier is a project.
export default defineConfig({
  test: {
    // Integration and e2e files share the engines; one file at a time keeps them independent.
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude: ['**/node_modules/**', '.stack/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude: ['**/node_modules/**', '.stack/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.spec.ts'],
          exclude: ['**/node_modules/**', '.stack/**'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
