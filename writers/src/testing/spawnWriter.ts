import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { WriterProcessConfig } from './writerProcess.ts';

const entry = fileURLToPath(new URL('./writerProcess.ts', import.meta.url));

/** Starts `writerProcess.ts` as a child process; resolves once it is consuming. */
export async function spawnWriter(config: WriterProcessConfig): Promise<ChildProcess> {
  // WRITER_NODE_ARGS: extra node flags for the child, e.g. `--cpu-prof --cpu-prof-dir=prof`
  // (flags NODE_OPTIONS refuses) when measuring it.
  const nodeArgs = (process.env.WRITER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: { ...process.env, WRITER_PROCESS: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"consuming"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the writer process exited with ${code} before consuming`)));
  });
  return child;
}

/** Kills the child like a crash would: no signal handler runs, nothing is flushed or committed. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
