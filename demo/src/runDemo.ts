import { performance } from 'node:perf_hooks';

import { mintTokenForEnv } from '@verograph/gateway';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import { createCassandraClient, createOutcomeReader, startOutcomeListener } from '@verograph/subgraph-kit';
import type { Admin } from 'kafkajs';

import { demoPhases } from './commands.ts';
import { pickPersonas } from './demoUsers.ts';
import { loadPhases, type LoadReport } from './loader.ts';
import { defaultSize, generateNetwork, type DemoNetwork, type NetworkSize } from './network.ts';

export interface DemoOptions {
  readonly seed: string;
  readonly size?: NetworkSize;
  /** The end of the 30 days the posts spread over. */
  readonly now?: Date;
  /** Where the explorer is: each persona's link opens it signed in. */
  readonly explorerUrl?: string;
  /** Consumer-group prefixes of the running writers and projectors (WRITERS_GROUP_PREFIX, PROJECTORS_GROUP_PREFIX). */
  readonly writersGroupPrefix?: string;
  readonly projectorsGroupPrefix?: string;
  readonly print?: (line: string) => void;
}

export interface DemoResult {
  readonly network: DemoNetwork;
  readonly report: LoadReport;
  readonly personas: readonly { userId: string; description: string; token: string; link: string }[];
}

/** The running groups with this prefix, as the writers (`prefix-name`) and projectors (`prefix.name`) name theirs. */
const groupsWith = (prefix: string, separator: string) => (ids: readonly string[]) =>
  ids.filter((id) => id.startsWith(`${prefix}${separator}`) && /^[a-z]+$/.test(id.slice(prefix.length + 1)));

/** Fails fast, with what to do, when nobody would decide or project the commands. */
async function assertRunning(admin: Admin, groupIds: readonly string[], what: string): Promise<void> {
  const described = groupIds.length > 0 ? (await admin.describeGroups([...groupIds])).groups : [];
  if (!described.some((g) => g.members.length > 0)) {
    throw new Error(
      `no ${what} are running (consumer groups: ${groupIds.join(', ') || 'none'}): start the system first ` +
        '(npm start), or load the demo with it: npm start -- --demo',
    );
  }
}

/**
 * Generates the network of a seed and loads it through the real write path, as a trusted
 * backend: commands straight to Kafka, signed in with the credentials in KAFKA_* (the stack's
 * admin, see the README's Security model), then prints five people to sign in as.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = performance.now();
  const now = options.now ?? new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const network = generateNetwork(options.seed, now, options.size ?? defaultSize);
  const phases = demoPhases(network, now);
  const engines = engineAddresses();
  const logger = createLogger('demo', process.env.LOG_LEVEL ?? 'warn');
  const kafka = createKafka('verograph-demo', engines.kafkaBrokers, engines.kafkaCredentials);
  const admin = kafka.admin();
  await admin.connect();
  const cassandra = createCassandraClient(
    {
      contactPoints: engines.cassandraContactPoints,
      localDataCenter: engines.cassandraDataCenter,
      keyspace: engines.cassandraKeyspace,
      credentials: engines.cassandraCredentials,
    },
    'verograph-demo',
  );
  const producer = await createProducer(kafka);
  const outcomes = startOutcomeListener({ kafka, service: 'demo', logger });
  try {
    const groupIds = (await admin.listGroups()).groups.map((g) => g.groupId);
    const writers = groupsWith(options.writersGroupPrefix ?? 'writers', '-');
    const projectors = groupsWith(options.projectorsGroupPrefix ?? 'projectors', '.');
    await assertRunning(admin, writers(groupIds), 'writers');
    await assertRunning(admin, projectors(groupIds), 'projectors');
    for (const deadline = Date.now() + 30_000; !outcomes.isListening();) {
      if (Date.now() > deadline) throw new Error('could not listen to commands.outcomes within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    print(
      `verograph demo, seed "${options.seed}": ${count(network.users.length)} users ` +
        `(${count(network.users.length - network.members)} of them only reading), ${count(network.follows.length)} follows, ` +
        `${count(network.connections.length)} connection requests, ${count(network.posts.length)} posts, ` +
        `${count(network.loves.length)} loves, ${count(network.comments.length)} comments, ` +
        `${count(network.collections.length)} collections`,
    );
    const report = await loadPhases(
      phases,
      { producer, outcomes, decisions: createOutcomeReader(cassandra), admin, logger },
      {
        writerGroups: writers,
        caughtUpGroups: projectors,
        progress(event) {
          if (!('phase' in event)) return print('  waiting for the projectors to bring every read model up to date…');
          const { phase } = event;
          const rejected = Object.entries(phase.rejected).map(([code, n]) => `${n} ${code}`);
          print(
            `  ${phase.name.padEnd(26)} ${count(phase.published).padStart(7)} published, ${count(phase.alreadyDecided).padStart(7)} already there` +
              `${rejected.length > 0 ? `, rejected: ${rejected.join(', ')}` : ''} (${phase.seconds.toFixed(1)} s: ` +
              `lookup ${phase.lookupSeconds.toFixed(1)} s, publish ${phase.publishSeconds.toFixed(1)} s)`,
          );
        },
      },
    );
    const total = (performance.now() - started) / 1000;
    print(
      `loaded in ${total.toFixed(1)} s (read models caught up ${report.catchUpSeconds.toFixed(1)} s after the last outcome); ` +
        `${count(report.published)} commands published${report.published === 0 ? ': it was all there already' : ''}`,
    );
    const explorer = (options.explorerUrl ?? 'http://127.0.0.1:4000/').replace(/\/?$/, '/');
    const personas = await Promise.all(
      pickPersonas(network).map(async ({ user, description }) => {
        const token = await mintTokenForEnv(user.id);
        return { userId: user.id, username: user.username, description, token, link: `${explorer}#token=${token}` };
      }),
    );
    print('\nsign in as one of them (each link opens the explorer signed in; tokens last 12 h):');
    for (const p of personas) print(`\n  @${p.username}: ${p.description}\n  ${p.link}`);
    return { network, report, personas };
  } finally {
    await outcomes.stop();
    await producer.disconnect();
    await admin.disconnect();
    await cassandra.shutdown();
  }
}

const count = (n: number) => n.toLocaleString('en-US');
