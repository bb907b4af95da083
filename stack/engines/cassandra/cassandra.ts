import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import cassandraDriver from 'cassandra-driver';

import type { EngineContext, EngineDefinition } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';

const VERSION = '5.0.9';
const HEAP = '1g';
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

// process() is synchronous, so prepare() leaves the resolved classpath next to the config.
const classpathFile = (ctx: EngineContext): string => join(ctx.dataDir, 'classpath.txt');
const configFile = (ctx: EngineContext): string => join(ctx.dataDir, 'cassandra.yaml');

function jvmOptions(): string[] {
  return readFileSync(here('./jvm.options'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('-'));
}

function renderConfig(ctx: EngineContext): string {
  const storagePort = ctx.extraPorts.storage;
  if (storagePort === undefined) throw new Error('cassandra: extraPorts.storage is missing from the context');
  // JSON strings are valid YAML double-quoted scalars, so paths with spaces or colons survive.
  const values: Record<string, string> = {
    host: JSON.stringify(ctx.host),
    seed: `${ctx.host}:${storagePort}`,
    storagePort: String(storagePort),
    nativePort: String(ctx.port),
    dataDir: JSON.stringify(join(ctx.dataDir, 'data')),
    commitlogDir: JSON.stringify(join(ctx.dataDir, 'commitlog')),
    savedCachesDir: JSON.stringify(join(ctx.dataDir, 'saved_caches')),
    hintsDir: JSON.stringify(join(ctx.dataDir, 'hints')),
    cdcRawDir: JSON.stringify(join(ctx.dataDir, 'cdc_raw')),
  };
  return readFileSync(here('./cassandra.yaml'), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`cassandra.yaml template: unknown placeholder {{${key}}}`);
    return value;
  });
}

export const cassandra: EngineDefinition = {
  name: 'cassandra',
  version: VERSION,
  portEnv: 'CASSANDRA_PORT',
  defaultPort: 9042,
  // No JMX port: without cassandra.jmx.*.port the daemon starts no JMX server at all.
  extraPorts: { storage: ['CASSANDRA_STORAGE_PORT', 7000] },
  jvm: true,
  heap: HEAP,
  startTimeoutMs: 90_000,

  address: (ctx) => `${ctx.host}:${ctx.port} (CQL)`,

  async prepare(ctx) {
    const classpath = await resolveClasspath(here('./pom.xml'), ctx.cacheDir, ctx.log);
    mkdirSync(ctx.dataDir, { recursive: true });
    writeFileSync(classpathFile(ctx), classpath);
    writeFileSync(configFile(ctx), renderConfig(ctx));
  },

  process(ctx) {
    let classpath: string;
    try {
      classpath = readFileSync(classpathFile(ctx), 'utf8').trim();
    } catch (error) {
      throw new Error('cassandra: prepare() must run before process()', { cause: error });
    }
    // As root the JVM holds CAP_IPC_LOCK, and Cassandra's mlockall then pins every committed
    // page: the whole heap becomes resident at once, after seconds of page faults. Without
    // the capability mlockall fails with a warning and memory is only touched as it is used.
    // setpriv execs in place, so the recorded pid is still the JVM's.
    const unpinned = process.getuid?.() === 0 ? ['--bounding-set=-ipc_lock', '--inh-caps=-ipc_lock', ctx.java] : [];
    return {
      command: unpinned.length > 0 ? 'setpriv' : ctx.java,
      cwd: ctx.dataDir,
      args: [
        ...unpinned,
        `-Xms${HEAP}`,
        `-Xmx${HEAP}`,
        // A small, fixed young generation keeps the resident set predictable on a shared box.
        '-Xmn128m',
        ...jvmOptions(),
        `-Dcassandra.config=file://${configFile(ctx)}`,
        `-Dcassandra.storagedir=${ctx.dataDir}`,
        `-Dlogback.configurationFile=${here('./logback.xml')}`,
        // Stay attached to stdout/stderr instead of closing them as a daemon would.
        '-Dcassandra-foreground=yes',
        // A lone seed has nobody to wait for: skip the gossip settling and ring delays.
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.ring_delay_ms=1000',
        '-Dcassandra.superuser_setup_delay_ms=0',
        '-cp',
        classpath,
        'org.apache.cassandra.service.CassandraDaemon',
      ],
    };
  },

  async healthy(ctx) {
    const client = new cassandraDriver.Client({
      contactPoints: [`${ctx.host}:${ctx.port}`],
      localDataCenter: 'datacenter1',
      socketOptions: { connectTimeout: 2_000, readTimeout: 2_000 },
      isMetadataSyncEnabled: false,
    });
    try {
      const result = await client.execute('SELECT release_version FROM system.local');
      return typeof result.first()?.get('release_version') === 'string';
    } catch {
      return false;
    } finally {
      await client.shutdown().catch(() => undefined);
    }
  },
};
