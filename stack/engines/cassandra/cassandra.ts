import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import cassandraDriver from 'cassandra-driver';

import type { Credential } from '../../src/credentials.ts';
import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';

const VERSION = '5.0.9';
const HEAP = '1g';
/** SimpleSnitch puts every node in this data centre. */
const DATA_CENTER = 'datacenter1';

/** Made by Cassandra on a first start with PasswordAuthenticator; dropped once the stack's admin exists. */
const DEFAULT_SUPERUSER: Credential = { username: 'cassandra', password: 'cassandra' };

/** The driver's sign-in for one of the stack's principals. */
export function cassandraAuth(credential: Credential): cassandraDriver.auth.PlainTextAuthProvider {
  return new cassandraDriver.auth.PlainTextAuthProvider(credential.username, credential.password);
}

function probeClient(ctx: EngineContext, credential: Credential): cassandraDriver.Client {
  return new cassandraDriver.Client({
    contactPoints: [`${ctx.host}:${ctx.port}`],
    localDataCenter: DATA_CENTER,
    authProvider: cassandraAuth(credential),
    socketOptions: { connectTimeout: 2_000, readTimeout: 2_000 },
    // A probe needs no schema metadata; fetching it makes each probe several times slower.
    isMetadataSyncEnabled: false,
  });
}

/** Whether a connection attempt failed because the credential was refused (not because the node is down). */
function refused(error: unknown): boolean {
  const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors ?? {};
  return Object.values(inner).some((e) => e instanceof cassandraDriver.errors.AuthenticationError);
}

/** CQL string literal (role options take no bind markers). */
const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

async function answersAs(ctx: EngineContext, credential: Credential): Promise<boolean> {
  const client = probeClient(ctx, credential);
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
}

/**
 * Signs in as the stack's admin role, making it first (as the built-in `cassandra` superuser,
 * whose well-known password is then no use to anybody: the role is dropped) on a first start.
 */
async function connectAsAdmin(ctx: EngineContext): Promise<cassandraDriver.Client> {
  const admin = ctx.credentials.cassandra.admin;
  const client = probeClient(ctx, admin);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    if (!refused(error)) throw error;
  }
  ctx.log(`creating the admin role ${admin.username} in place of the default superuser`);
  const bootstrap = probeClient(ctx, DEFAULT_SUPERUSER);
  try {
    await bootstrap.execute(
      `CREATE ROLE IF NOT EXISTS ${admin.username} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${literal(admin.password)}`,
    );
  } finally {
    await bootstrap.shutdown().catch(() => undefined);
  }
  const signedIn = probeClient(ctx, admin);
  await signedIn.connect();
  return signedIn;
}

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
      // The default superuser, which ensurePrincipals replaces, is set up at once, not after 10 s.
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
    // Before the first ensurePrincipals only the built-in superuser exists.
    return (await answersAs(ctx, ctx.credentials.cassandra.admin)) || (await answersAs(ctx, DEFAULT_SUPERUSER));
  },

  async ensurePrincipals(ctx) {
    const client = await connectAsAdmin(ctx);
    try {
      const existing = new Set(
        (await client.execute('SELECT role FROM system_auth.roles')).rows.map((r) => String(r.get('role'))),
      );
      for (const credential of Object.values(ctx.credentials.cassandra)) {
        if (existing.has(credential.username)) {
          // The credentials file is the truth: a role whose password drifted from it (a stack
          // shared by checkouts of different ages) signs in again with the file's.
          if (credential.username !== ctx.credentials.cassandra.admin.username) {
            await client.execute(`ALTER ROLE ${credential.username} WITH PASSWORD = ${literal(credential.password)}`);
          }
          continue;
        }
        // No rights yet: migrations/cassandra grants each role the tables it reads or owns.
        await client.execute(
          `CREATE ROLE IF NOT EXISTS ${credential.username} WITH LOGIN = true AND PASSWORD = ${literal(credential.password)}`,
        );
        ctx.log(`created role ${credential.username}`);
      }
      if (existing.has(DEFAULT_SUPERUSER.username)) {
        await client.execute(`DROP ROLE IF EXISTS ${DEFAULT_SUPERUSER.username}`);
        ctx.log(`dropped the default superuser ${DEFAULT_SUPERUSER.username}`);
      }
    } finally {
      await client.shutdown().catch(() => undefined);
    }
  },
};
