import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import cassandraDriver from 'cassandra-driver';

import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';

const VERSION = '5.0.9';
const HEAP = '1g';
/** SimpleSnitch puts every node in this data centre. */
const DATA_CENTER = 'datacenter1';

const resource = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
// process() is synchronous, so prepare() leaves the resolved classpath next to the config.
const classpathFile = (ctx: EngineContext): string => join(ctx.dataDir, 'classpath.txt');
const configFile = (ctx: EngineContext): string => join(ctx.dataDir, 'cassandra.yaml');
const triggersDir = (ctx: EngineContext): string => join(ctx.dataDir, 'triggers');

function jvmOptions(): string[] {
  return readFileSync(resource('./jvm.options'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('-'));
}

function renderConfig(ctx: EngineContext): string {
  const storagePort = ctx.extraPorts.storage;
  if (storagePort === undefined) throw new Error('cassandra: the context has no extraPorts.storage');
  // JSON strings are valid YAML double-quoted scalars, so any path survives. The `${name}`
  // placeholders keep the template itself valid YAML.
  const values: Record<string, string> = {
    host: JSON.stringify(ctx.host),
    seed: JSON.stringify(`${ctx.host}:${storagePort}`),
    storagePort: String(storagePort),
    nativePort: String(ctx.port),
    dataDir: JSON.stringify(join(ctx.dataDir, 'data')),
    commitlogDir: JSON.stringify(join(ctx.dataDir, 'commitlog')),
    savedCachesDir: JSON.stringify(join(ctx.dataDir, 'saved_caches')),
    hintsDir: JSON.stringify(join(ctx.dataDir, 'hints')),
    cdcRawDir: JSON.stringify(join(ctx.dataDir, 'cdc_raw')),
  };
  return readFileSync(resource('./cassandra.yaml'), 'utf8').replace(/\$\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`cassandra.yaml template: unknown placeholder \${${key}}`);
    return value;
  });
}

/**
 * As root the JVM holds CAP_IPC_LOCK, and Cassandra's mlockall then pins every committed page:
 * the whole heap turns resident at once (1.45 GB instead of about 0.4 GB) after seconds of page
 * faults. Without the capability mlockall fails with a warning and memory is touched as used.
 * setpriv execs in place, so the pid the CLI records is still the JVM's.
 */
function withoutMemoryLock(java: string, args: string[]): ProcessSpec {
  if (process.getuid?.() !== 0) return { command: java, args };
  return { command: 'setpriv', args: ['--bounding-set=-ipc_lock', '--inh-caps=-ipc_lock', java, ...args] };
}

/**
 * Apache Cassandra from Maven Central (`cassandra-all`), one node that is its own seed, on
 * Java 17. No JMX port is opened: the daemon only starts JMX when `cassandra.jmx.*.port` is set.
 */
export const cassandra: EngineDefinition = {
  name: 'cassandra',
  version: VERSION,
  portEnv: 'CASSANDRA_PORT',
  defaultPort: 9042,
  extraPorts: { storage: ['CASSANDRA_STORAGE_PORT', 7000] },
  jvm: true,
  heap: HEAP,
  // 8-15 s measured with the other engines busy on the same two cores; generous for a cold cache.
  startTimeoutMs: 90_000,
  address: (ctx) => `${ctx.host}:${ctx.port} (CQL, data centre ${DATA_CENTER})`,

  async prepare(ctx) {
    const classpath = await resolveClasspath(resource('./pom.xml'), ctx.cacheDir, ctx.log);
    mkdirSync(triggersDir(ctx), { recursive: true });
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
    const spec = withoutMemoryLock(ctx.java, [
      `-Xms${HEAP}`,
      `-Xmx${HEAP}`,
      // A small fixed young generation keeps the resident set modest on a shared machine.
      '-Xmn128m',
      ...jvmOptions(),
      `-Dcassandra.config=${pathToFileURL(configFile(ctx)).href}`,
      // Every default directory (and the triggers folder it warns about) under our data folder.
      `-Dcassandra.storagedir=${ctx.dataDir}`,
      `-Dcassandra.triggers_dir=${triggersDir(ctx)}`,
      `-Dlogback.configurationFile=${resource('./logback.xml')}`,
      // Keep logging to stdout, which the CLI sends to the log file.
      '-Dcassandra-foreground=yes',
      // A lone seed has nobody to wait for. Gossip settling (skipped anyway on a loopback
      // address, not on others) and the 30 s ring delay only bound waits for peers and schema.
      '-Dcassandra.skip_wait_for_gossip_to_settle=0',
      '-Dcassandra.ring_delay_ms=1000',
      // The default role (unused with AllowAllAuthenticator) is set up at once, not after 10 s.
      '-Dcassandra.superuser_setup_delay_ms=0',
      // The memtable's per-row overhead, otherwise measured at every start by filling a
      // 100 000-entry skip list and weighing it: 3-7 s with C1. It measures 180-181 on Java 17.
      '-Dcassandra.memtable.row_overhead_size=180',
      '-cp',
      classpath,
      'org.apache.cassandra.service.CassandraDaemon',
    ]);
    return { ...spec, cwd: ctx.dataDir };
  },

  async healthy(ctx) {
    const client = new cassandraDriver.Client({
      contactPoints: [`${ctx.host}:${ctx.port}`],
      localDataCenter: DATA_CENTER,
      socketOptions: { connectTimeout: 2_000, readTimeout: 2_000 },
      // A probe needs no schema metadata; fetching it makes each probe several times slower.
      isMetadataSyncEnabled: false,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 5_000);
    });
    const probe = client
      .execute('SELECT release_version FROM system.local')
      .then((result) => typeof result.first()?.get('release_version') === 'string')
      .catch(() => false);
    try {
      return await Promise.race([probe, deadline]);
    } finally {
      clearTimeout(timer);
      await client.shutdown().catch(() => undefined);
    }
  },
};
