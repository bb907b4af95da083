import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { Credential } from '../../src/credentials.ts';
import type { EngineContext, EngineDefinition, ProcessSpec } from '../../src/engine.ts';
import { resolveClasspath } from '../../src/maven.ts';

const run = promisify(execFile);

/** Must equal `<kafka.version>` in pom.xml; prepare() refuses to run when they drift. */
const VERSION = '4.4.0';
const HEAP = '512m';
const NODE_ID = 1;

const engineDir = (ctx: EngineContext): string => join(ctx.root, 'stack', 'engines', 'kafka');
const serverProperties = (ctx: EngineContext): string => join(ctx.dataDir, 'server.properties');
const classpathFile = (ctx: EngineContext): string => join(ctx.dataDir, 'classpath.txt');
const topicsDir = (ctx: EngineContext): string => join(ctx.dataDir, 'topics');
const metadataDir = (ctx: EngineContext): string => join(ctx.dataDir, 'metadata');
const metaProperties = (ctx: EngineContext): string => join(metadataDir(ctx), 'meta.properties');
/** Written after a format that created the SCRAM users; storage without it predates authentication. */
const scramMarker = (ctx: EngineContext): string => join(metadataDir(ctx), 'scram-users.txt');

/** Clients sign in with SCRAM (kafkajs speaks both SHA variants); the password never crosses the wire. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

/** The kafkajs `sasl` option for one of the stack's principals. */
export function kafkaSasl(credential: Credential): { mechanism: 'scram-sha-512'; username: string; password: string } {
  return { mechanism: 'scram-sha-512', username: credential.username, password: credential.password };
}

const jaas = (module: string, options: Record<string, string>): string =>
  `${module} required ${Object.entries(options)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')};`;

/** A wildcard bind address cannot be advertised to clients or used as a voter address. */
function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function jvmArgs(ctx: EngineContext, classpath: string): string[] {
  return [
    // The flags of Kafka's bin/kafka-run-class.sh, with our own heap instead of its 1 GiB.
    `-Xms${HEAP}`,
    `-Xmx${HEAP}`,
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(engineDir(ctx), 'log4j2.properties')}`,
    '-cp',
    classpath,
  ];
}

function renderServerProperties(ctx: EngineContext): string {
  const controllerPort = ctx.extraPorts.controller;
  if (controllerPort === undefined) throw new Error('kafka needs the "controller" extra port');
  const host = reachableHost(ctx.host);
  const admin = ctx.credentials.kafka.admin;
  const settings: Record<string, string | number | boolean> = {
    // One process is both the only broker and the only controller (KRaft combined mode).
    'process.roles': 'broker,controller',
    'node.id': NODE_ID,
    // Static voters rather than controller.quorum.bootstrap.servers: the controller endpoint
    // then comes from this file on every start (so KAFKA_CONTROLLER_PORT may change later),
    // whereas a dynamic quorum (`format --standalone`) persists it in the metadata log.
    'controller.quorum.voters': `${NODE_ID}@${host}:${controllerPort}`,
    listeners: `SASL_PLAINTEXT://${ctx.host}:${ctx.port},CONTROLLER://${ctx.host}:${controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://${host}:${ctx.port}`,
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',

    // Every connection signs in. Clients use SCRAM, whose users live in the metadata log
    // (created at format time, `--add-scram`). The controller listener cannot use SCRAM (its
    // users are not known before the metadata log is loaded), so the broker half of this one
    // process signs in to the controller half with PLAIN, as the admin, from this file only.
    'sasl.enabled.mechanisms': SCRAM_MECHANISM,
    'sasl.mechanism.inter.broker.protocol': SCRAM_MECHANISM,
    [`listener.name.sasl_plaintext.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config`]: jaas(
      'org.apache.kafka.common.security.scram.ScramLoginModule',
      { username: admin.username, password: admin.password },
    ),
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': jaas('org.apache.kafka.common.security.plain.PlainLoginModule', {
      username: admin.username,
      password: admin.password,
      [`user_${admin.username}`]: admin.password,
    }),
    // What each principal may do is in ACLs (migrations/kafka); nothing is allowed without one.
    // The admin (migrations, tooling, tests, and the broker itself) is the only super user.
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${admin.username}`,
    'allow.everyone.if.no.acl.found': false,
    'log.dirs': topicsDir(ctx),
    // Kafka locks a separate metadata directory as soon as the Raft layer starts; when it
    // shares log.dirs the lock comes only after the controller is live, and a second start
    // on the same folder (a stale pid file, two CLIs) first takes over the quorum and wedges
    // the running node.
    'metadata.log.dir': metadataDir(ctx),

    // Every replicated thing has exactly one replica here; the defaults (3, min ISR 2) would
    // leave the group, transaction and share coordinators unable to create their topics.
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // The default of 50 partitions per internal topic buys nothing on one development node
    // but costs file handles and coordinator loading work.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.num.partitions': 1,

    // Consumers in tests should not wait 3 s for companions that never come.
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from migrations; a typo in a topic name must fail, not create a topic.
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    'num.partitions': 1,

    // Two cores are shared with three other engines.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
  };
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${String(value)}`);
  return `# Written by stack/engines/kafka/kafka.ts on every prepare; edits are overwritten.\n${lines.join('\n')}\n`;
}

/** Kafka's cluster id format: 16 random bytes as unpadded base64url (what `StorageTool random-uuid` prints). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka never hands out ids starting with '-' because command lines would take them for options.
    if (!id.startsWith('-')) return id;
  }
}

function readClusterId(ctx: EngineContext): string | undefined {
  try {
    return /^cluster\.id=(.+)$/m.exec(readFileSync(metaProperties(ctx), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

async function format(ctx: EngineContext, classpath: string): Promise<void> {
  const clusterId = newClusterId();
  ctx.log(`formatting Kafka storage in ${ctx.dataDir} (cluster id ${clusterId})`);
  const args = [
    ...jvmArgs(ctx, classpath),
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    serverProperties(ctx),
    // Belt and braces: prepare() already skips formatted storage, but a race with a second
    // prepare must not turn into an error.
    '--ignore-formatted',
    // The SCRAM users of every principal, in the metadata log from the first start on. The
    // passwords are on this one short-lived command line (the tool takes them no other way).
    ...Object.values(ctx.credentials.kafka).flatMap((c) => [
      '--add-scram',
      `${SCRAM_MECHANISM}=[name=${c.username},password=${c.password}]`,
    ]),
  ];
  try {
    const { stdout } = await run(ctx.java, args, { cwd: ctx.dataDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    // The rest of its output is broker logging; this line names the metadata.version chosen.
    for (const line of stdout.split('\n')) if (line.startsWith('Formatting')) ctx.log(line.trim());
    writeFileSync(
      scramMarker(ctx),
      `${Object.values(ctx.credentials.kafka)
        .map((c) => c.username)
        .join('\n')}\n`,
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`Kafka StorageTool could not format ${ctx.dataDir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const kafka: EngineDefinition = {
  name: 'kafka',
  version: VERSION,
  portEnv: 'KAFKA_PORT',
  defaultPort: 9092,
  extraPorts: { controller: ['KAFKA_CONTROLLER_PORT', 9093] },
  jvm: true,
  heap: HEAP,
  // Measured 4–18 s from launch to healthy on two cores shared with the other engines; the
  // margin covers log recovery after an unclean stop.
  startTimeoutMs: 90_000,

  address: (ctx) => `${reachableHost(ctx.host)}:${ctx.port}`,

  async prepare(ctx) {
    const pomFile = join(engineDir(ctx), 'pom.xml');
    if (!readFileSync(pomFile, 'utf8').includes(`<kafka.version>${VERSION}</kafka.version>`)) {
      throw new Error(`${pomFile} does not pin Kafka ${VERSION}; keep it and kafka.ts in step`);
    }
    const classpath = await resolveClasspath(pomFile, ctx.cacheDir, (m) => ctx.log(m));
    mkdirSync(ctx.dataDir, { recursive: true });
    writeFileSync(classpathFile(ctx), classpath);
    // It holds the admin's password: readable by its owner only.
    writeFileSync(serverProperties(ctx), renderServerProperties(ctx), { mode: 0o600 });
    chmodSync(serverProperties(ctx), 0o600);
    if (!existsSync(metaProperties(ctx))) await format(ctx, classpath);
    else if (!existsSync(scramMarker(ctx))) {
      throw new Error(
        `${ctx.dataDir} was formatted before Kafka required sign-in, so it has no SCRAM users. ` +
          'Start again from empty engines: npm run stack -- reset && npm run stack -- up',
      );
    } else {
      // SCRAM users are made at format time only: a principal added to the code since has none.
      const formatted = new Set(readFileSync(scramMarker(ctx), 'utf8').split('\n'));
      const missing = Object.values(ctx.credentials.kafka).filter((c) => !formatted.has(c.username));
      if (missing.length > 0) {
        throw new Error(
          `Kafka in ${ctx.dataDir} has no SCRAM user for ${missing.map((c) => c.username).join(', ')}. ` +
            'Start again from empty engines: npm run stack -- reset && npm run stack -- up',
        );
      }
    }
  },

  process(ctx): ProcessSpec {
    const file = classpathFile(ctx);
    if (!existsSync(file)) throw new Error(`${file} is missing: prepare() must run before the Kafka process starts`);
    return {
      command: ctx.java,
      args: [...jvmArgs(ctx, readFileSync(file, 'utf8').trim()), 'kafka.Kafka', serverProperties(ctx)],
      // The JVM drops hs_err files into its working directory.
      cwd: ctx.dataDir,
    };
  },

  async healthy(ctx) {
    // Comparing cluster ids keeps a foreign broker on the same port from passing as ours.
    const expectedClusterId = readClusterId(ctx);
    if (expectedClusterId === undefined) return false;
    const admin = new Kafka({
      clientId: 'stack-health',
      brokers: [kafka.address(ctx)],
      sasl: kafkaSasl(ctx.credentials.kafka.admin),
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      const cluster = await withTimeout(
        admin.connect().then(() => admin.describeCluster()),
        3_000,
      );
      return cluster.clusterId === expectedClusterId && cluster.brokers.some((b) => b.nodeId === NODE_ID);
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
