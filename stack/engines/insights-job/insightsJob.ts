import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';
import { portFromEnv } from '../../src/ports.ts';
import { kafka } from '../kafka/kafka.ts';

const run = promisify(execFile);

/** Must equal `<flink.version>` in insights/pom.xml; prepare() refuses to run when they drift. */
const VERSION = '2.2.0';
const HEAP = '768m';
/** The job's name on the MiniCluster (InsightsJob sets `pipeline.name`). */
const JOB_NAME = 'verograph-insights';
const MAIN_CLASS = 'dev.verograph.insights.InsightsJob';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
// process() is synchronous, so prepare() leaves the classpath (the job's jar first) in the data folder.
const classpathFile = (ctx: EngineContext): string => join(ctx.dataDir, 'classpath.txt');
const projectDir = (ctx: EngineContext): string => join(ctx.root, 'insights');

/** Every file the job's jar is built from: its pom, its sources and SQL, and the contracts in proto/. */
function sources(ctx: EngineContext): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? walk(path) : [path];
    });
  return [
    join(projectDir(ctx), 'pom.xml'),
    ...walk(join(projectDir(ctx), 'src', 'main')),
    ...walk(join(ctx.root, 'proto')),
  ].sort();
}

/**
 * Builds the job's jar with Maven (protoc generates the messages from proto/ on the way) once per
 * version of its sources, and keeps it in the cache: a running job never sees a jar change under it.
 */
async function buildJar(ctx: EngineContext): Promise<string> {
  const hash = createHash('sha256');
  for (const file of sources(ctx)) hash.update(relative(ctx.root, file)).update('\0').update(readFileSync(file));
  const jar = join(ctx.cacheDir, `insights-${hash.digest('hex').slice(0, 16)}.jar`);
  if (existsSync(jar)) return jar;
  ctx.log('building the insights job with Maven (the first time this downloads Flink from Maven Central)');
  try {
    await run('mvn', ['-B', '-q', '-f', join(projectDir(ctx), 'pom.xml'), 'package', '-DskipTests'], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('Maven (mvn) is not on the PATH. Install it: apt-get install maven', { cause: error });
    throw new Error(`the insights job did not build:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
  mkdirSync(ctx.cacheDir, { recursive: true });
  // The unshaded jar: the job's own classes; Flink, the Kafka connector and protobuf come from
  // the resolved classpath. Copied then renamed, so a half-written jar is never taken for a build.
  const staging = `${jar}.${process.pid}.tmp`;
  copyFileSync(join(projectDir(ctx), 'target', 'original-insights-0.1.0.jar'), staging);
  renameSync(staging, jar);
  return jar;
}

export const insightsJob: EngineDefinition = {
  name: 'insights-job',
  version: VERSION,
  portEnv: 'INSIGHTS_REST_PORT',
  defaultPort: 8081,
  extraPorts: {},
  jvm: true,
  heap: HEAP,
  startsAfterMigrations: true,
  // Building the jar is prepare's; this covers the MiniCluster's start and the planning of the
  // job's SQL, which took over three minutes on two cores shared with a dozen JVMs.
  startTimeoutMs: 300_000,

  address: (ctx) => `http://${ctx.host}:${ctx.port} (Flink REST, job ${JOB_NAME})`,

  async prepare(ctx) {
    const pomFile = join(projectDir(ctx), 'pom.xml');
    if (!readFileSync(pomFile, 'utf8').includes(`<flink.version>${VERSION}</flink.version>`)) {
      throw new Error(`${pomFile} does not pin Flink ${VERSION}; keep it and insights.ts in step`);
    }
    const jar = await buildJar(ctx);
    const classpath = await resolveClasspath(pomFile, ctx.cacheDir, ctx.log, 'compile');
    mkdirSync(join(ctx.dataDir, 'checkpoints'), { recursive: true });
    writeFileSync(classpathFile(ctx), `${jar}:${classpath}`);
  },

  process(ctx): ProcessSpec {
    let classpath: string;
    try {
      classpath = readFileSync(classpathFile(ctx), 'utf8').trim();
    } catch (error) {
      throw new Error('insights-job: prepare() must run before process()', { cause: error });
    }
    const credential = ctx.credentials.kafka['insights-job'];
    return {
      command: ctx.java,
      args: [
        '-Xms256m',
        `-Xmx${HEAP}`,
        '-XX:+UseG1GC',
        '-XX:+ExitOnOutOfMemoryError',
        `-Dlog4j.configurationFile=${here('./log4j2.properties')}`,
        // Flink's own launcher opens these for its serializers (Kryo) on Java 17.
        '--add-opens=java.base/java.util=ALL-UNNAMED',
        '--add-opens=java.base/java.lang=ALL-UNNAMED',
        '-cp',
        classpath,
        MAIN_CLASS,
      ],
      env: {
        KAFKA_BROKERS: `${ctx.host}:${portFromEnv(process.env, kafka.portEnv, kafka.defaultPort)}`,
        KAFKA_USERNAME: credential.username,
        KAFKA_PASSWORD: credential.password,
        INSIGHTS_REST_PORT: String(ctx.port),
        INSIGHTS_CHECKPOINT_DIR: pathToFileURL(join(ctx.dataDir, 'checkpoints')).href,
        // A restart (after a crash, a `down`, a kill -9) resumes from the last checkpoint: state,
        // offsets and the open transactions' fate come back together.
        INSIGHTS_RESUME_FROM_LATEST_CHECKPOINT: 'true',
      },
      cwd: ctx.dataDir,
    };
  },

  async healthy(ctx) {
    try {
      const response = await fetch(`http://${ctx.host}:${ctx.port}/jobs/overview`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (!response.ok) return false;
      const overview = (await response.json()) as { jobs?: Array<{ name: string; state: string }> };
      return (overview.jobs ?? []).some((job) => job.name === JOB_NAME && job.state === 'RUNNING');
    } catch {
      return false;
    }
  },
};
