import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { staleGenerated, writeGenerated } from './clientPackage.ts';
import { generateClient } from './generateClient.ts';

const schemaDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run schema -- codegen', () => {
  it('generates the same files from the same inputs, and the committed package is up to date', async () => {
    const first = await generateClient(schemaDir);
    expect(await generateClient(schemaDir)).toEqual(first);
    expect(first.map((file) => file.name)).toEqual(['documentIds.ts', 'graphql.ts', 'trustedDocuments.json']);
    expect(await staleGenerated(resolve(schemaDir, '../packages/client/src/gen'), first)).toEqual([]);
  });

  it('--check names each stale, missing and leftover file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'client-gen-'));
    try {
      const files = [
        { name: 'a.ts', content: 'a' },
        { name: 'b.json', content: '{}' },
      ];
      await writeGenerated(dir, files);
      expect(await staleGenerated(dir, files)).toEqual([]);
      await writeFile(join(dir, 'a.ts'), 'edited by hand');
      await writeFile(join(dir, 'old.ts'), 'no longer generated');
      expect(await staleGenerated(dir, [...files, { name: 'c.ts', content: 'c' }])).toEqual([
        'a.ts: out of date',
        'c.ts: missing',
        'old.ts: no longer generated',
      ]);
      await writeGenerated(dir, files);
      expect(await staleGenerated(dir, files)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
