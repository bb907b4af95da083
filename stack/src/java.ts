import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds a Java 17 runtime. Cassandra 5.0 calls the security manager at start-up, which
 * throws from JDK 24 on, so a newer `java` on the PATH must not win over Java 17.
 */
export function findJava17(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.STACK_JAVA_HOME,
    env.JAVA17_HOME,
    '/usr/lib/jvm/java-17-openjdk-amd64',
    '/usr/lib/jvm/java-17-openjdk-arm64',
    '/usr/lib/jvm/temurin-17-jdk-amd64',
    env.JAVA_HOME,
  ]
    .filter((home): home is string => Boolean(home))
    .map((home) => join(home, 'bin', 'java'));
  for (const java of [...candidates, 'java']) {
    if (java !== 'java' && !existsSync(java)) continue;
    if (javaMajor(java) === 17) return java;
  }
  throw new Error(
    'Java 17 was not found. Kafka, Cassandra and Elasticsearch run on it. Install it ' +
      '(apt-get install openjdk-17-jdk-headless) or point STACK_JAVA_HOME at a Java 17 home.',
  );
}

function javaMajor(java: string): number | undefined {
  // The JVM prints its settings on stderr.
  const result = spawnSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  return result.error ? undefined : parseMajor(`${result.stdout}${result.stderr}`);
}

function parseMajor(text: string): number | undefined {
  const match = /java\.specification\.version = (\d+)/.exec(text);
  return match?.[1] ? Number(match[1]) : undefined;
}
