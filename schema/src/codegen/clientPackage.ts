import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { GeneratedFile } from './generateClient.ts';

/** Replaces the generated folder's contents with `files` (a file no longer generated is removed). */
export async function writeGenerated(dir: string, files: readonly GeneratedFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const wanted = new Set(files.map((file) => file.name));
  for (const name of await readdir(dir)) if (!wanted.has(name)) await rm(join(dir, name), { recursive: true });
  for (const file of files) await writeFile(join(dir, file.name), file.content, 'utf8');
}

/** The generated folder's differences from `files`: each stale, missing or extra file with why. */
export async function staleGenerated(dir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  const problems: string[] = [];
  for (const file of files) {
    if (!present.has(file.name)) problems.push(`${file.name}: missing`);
    else if ((await readFile(join(dir, file.name), 'utf8')) !== file.content)
      problems.push(`${file.name}: out of date`);
    present.delete(file.name);
  }
  for (const extra of present) problems.push(`${extra}: no longer generated`);
  return problems;
}
