import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Resolves the runtime classpath of a Maven project (a `pom.xml` that only lists
 * dependencies) through the local Maven cache, and memoises it by the pom's hash so
 * that a second `up` does not invoke Maven at all.
 */
export async function resolveClasspath(
  pomFile: string,
  cacheDir: string,
  log: (m: string) => void,
  /** `compile` also takes `provided` dependencies: what a Flink cluster would provide, run locally. */
  scope: 'runtime' | 'compile' = 'runtime',
): Promise<string> {
  const pom = readFileSync(pomFile);
  // The runtime scope keeps the hash it always had, so the engines' cached classpaths stay valid.
  const hash = createHash('sha256')
    .update(pom)
    .update(scope === 'runtime' ? '' : scope)
    .digest('hex')
    .slice(0, 16);
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `classpath-${hash}.txt`);
  if (existsSync(out)) {
    const cached = readFileSync(out, 'utf8').trim();
    if (cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  log(`resolving jars with Maven (${pomFile}); the first time this downloads from Maven Central`);
  try {
    await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pomFile,
        'dependency:build-classpath',
        `-Dmdep.outputFile=${out}`,
        `-Dmdep.includeScope=${scope}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('Maven (mvn) is not on the PATH. Install it: apt-get install maven', { cause: error });
    }
    throw new Error(`Maven could not resolve ${pomFile}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
  return readFileSync(out, 'utf8').trim();
}
