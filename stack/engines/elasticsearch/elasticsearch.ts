import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Client } from '@elastic/elasticsearch';

import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';

const run = promisify(execFile);

/** Must equal `<elasticsearch.version>` in pom.xml; prepare() refuses to run when they drift. */
const VERSION = '8.6.2';
const HEAP = '1g';
/** Checked by healthy() so that some other Elasticsearch on the same port does not pass as ours. */
const CLUSTER_NAME = 'verograph-local';
const LAUNCHER = 'ElasticsearchLauncher';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
// process() is synchronous, so prepare() leaves the full classpath (launcher first) in the data folder.
const classpathFile = (ctx: EngineContext): string => join(ctx.dataDir, 'classpath.txt');
const configDir = (ctx: EngineContext): string => join(ctx.dataDir, 'config');
const tmpDir = (ctx: EngineContext): string => join(ctx.dataDir, 'tmp');

/** A wildcard bind address is no address to connect to. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function renderConfig(ctx: EngineContext): string {
  const transportPort = ctx.extraPorts.transport;
  if (transportPort === undefined) throw new Error('elasticsearch: extraPorts.transport is missing from the context');
  // JSON strings are valid YAML double-quoted scalars, so paths with spaces or colons survive.
  const settings: Record<string, string | number | boolean> = {
    'cluster.name': CLUSTER_NAME,
    'node.name': 'local-1',
    'path.data': join(ctx.dataDir, 'data'),
    'path.logs': join(ctx.dataDir, 'logs'),
    'network.host': ctx.host,
    'http.port': ctx.port,
    'transport.port': transportPort,
    // The lone node elects itself at once instead of looking for peers to form a cluster with.
    'discovery.type': 'single-node',
    // Development disks are often more than 90 % full; the watermarks would then make every
    // index read-only and fail writes with a confusing cluster block.
    'cluster.routing.allocation.disk.threshold_enabled': false,
  };
  const lines = Object.entries(settings).map(
    ([key, value]) => `${key}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
  );
  return `# Written by stack/engines/elasticsearch/elasticsearch.ts on every prepare; edits are overwritten.\n${lines.join('\n')}\n`;
}

/**
 * Compiles the launcher once per (source, classpath) pair into the cache. javac is run as the
 * jdk.compiler module of ctx.java itself, so no separate javac has to be found on the PATH.
 */
async function compileLauncher(ctx: EngineContext, classpath: string): Promise<string> {
  const source = here(`./${LAUNCHER}.java`);
  const hash = createHash('sha256').update(readFileSync(source)).update('\0').update(classpath).digest('hex');
  const out = join(ctx.cacheDir, `launcher-${hash.slice(0, 16)}`);
  if (existsSync(join(out, `${LAUNCHER}.class`))) return out;
  ctx.log(`compiling ${LAUNCHER}.java`);
  // Compiling next to the final folder and renaming it makes a half-written folder impossible.
  const staging = `${out}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await run(
      ctx.java,
      ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-d', staging, '-cp', classpath, source],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(
      `could not compile ${source} (a JDK, not only a JRE, is needed):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: error },
    );
  }
  if (existsSync(out)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, out);
  return out;
}

function jvmArgs(ctx: EngineContext, classpath: string): string[] {
  return [
    // A shared machine: start small, grow to the cap only under real load.
    '-Xms512m',
    `-Xmx${HEAP}`,
    // Elasticsearch sizes direct memory at half the heap when its own launcher starts it.
    '-XX:MaxDirectMemorySize=512m',
    '-XX:+UseG1GC',
    // A node that ran out of heap is unusable; dying lets `status` show it instead of a zombie.
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    `-Djava.io.tmpdir=${tmpDir(ctx)}`,
    '-Djna.nosys=true',
    // The Netty settings of Elastic's stock jvm.options.
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    // The node logs its own orderly shutdown from a shutdown hook; log4j's hook would stop first.
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-cp',
    classpath,
  ];
}

export const elasticsearch: EngineDefinition = {
  name: 'elasticsearch',
  version: VERSION,
  portEnv: 'ELASTICSEARCH_PORT',
  defaultPort: 9200,
  extraPorts: { transport: ['ELASTICSEARCH_TRANSPORT_PORT', 9300] },
  jvm: true,
  heap: HEAP,
  // 15–20 s on an idle machine; the margin covers a start beside three other JVMs on two cores.
  startTimeoutMs: 120_000,

  address: (ctx) => `http://${reachableHost(ctx.host)}:${ctx.port}`,

  async prepare(ctx) {
    const pomFile = here('./pom.xml');
    if (!readFileSync(pomFile, 'utf8').includes(`<elasticsearch.version>${VERSION}</elasticsearch.version>`)) {
      throw new Error(`${pomFile} does not pin Elasticsearch ${VERSION}; keep it and elasticsearch.ts in step`);
    }
    const classpath = await resolveClasspath(pomFile, ctx.cacheDir, ctx.log);
    const launcherDir = await compileLauncher(ctx, classpath);
    for (const dir of [configDir(ctx), tmpDir(ctx)]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(configDir(ctx), 'elasticsearch.yml'), renderConfig(ctx));
    copyFileSync(here('./log4j2.properties'), join(configDir(ctx), 'log4j2.properties'));
    writeFileSync(classpathFile(ctx), `${launcherDir}:${classpath}`);
  },

  process(ctx): ProcessSpec {
    let classpath: string;
    try {
      classpath = readFileSync(classpathFile(ctx), 'utf8').trim();
    } catch (error) {
      throw new Error('elasticsearch: prepare() must run before process()', { cause: error });
    }
    return {
      command: ctx.java,
      args: [...jvmArgs(ctx, classpath), LAUNCHER, ctx.dataDir],
      // The JVM drops hs_err files into its working directory.
      cwd: ctx.dataDir,
    };
  },

  async healthy(ctx) {
    // The client rejects any server that does not answer as Elasticsearch (X-Elastic-Product).
    const client = new Client({ node: elasticsearch.address(ctx), requestTimeout: 3_000, maxRetries: 0 });
    try {
      // master_timeout: before the node has elected itself the call would otherwise wait 30 s.
      const health = await client.cluster.health({ timeout: '1s', master_timeout: '1s' });
      return health.cluster_name === CLUSTER_NAME && (health.status === 'green' || health.status === 'yellow');
    } catch {
      return false;
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
