/**
 * One writer in a process of its own, on the topics, group and keyspace given as JSON in
 * WRITER_PROCESS (see `WriterProcessConfig`): what the crash test kills with SIGKILL and
 * restarts, and what the throughput measurement loads. Not a deployable: src/main.ts is.
 */
import { coalesceSends, createKafka, createProducer } from '@verograph/messaging';
import { createLogger, createMetricsRegistry, engineAddresses } from '@verograph/service';

import { connectCassandra } from '../cassandraClient.ts';
import type { WriterName } from '../config.ts';
import { startWriter, type WriterDeps } from '../startWriter.ts';

export interface WriterProcessConfig {
  readonly name: WriterName;
  readonly groupId: string;
  readonly topics: WriterDeps['topics'];
  readonly keyspace: string;
  readonly concurrency?: number;
  readonly keyConcurrency?: number;
  readonly maxBatchRecords?: number;
  readonly commitIntervalMs?: number;
}

const config = JSON.parse(process.env.WRITER_PROCESS ?? '') as WriterProcessConfig;
const engines = engineAddresses();
const logger = createLogger(`writer-process-${config.name}`, process.env.LOG_LEVEL ?? 'warn');
const kafka = createKafka(`writer-process-${config.name}`, engines.kafkaBrokers);
const cassandra = await connectCassandra({
  contactPoints: engines.cassandraContactPoints,
  localDataCenter: engines.cassandraDataCenter,
  keyspace: config.keyspace,
  credentials: engines.cassandraCredentials,
});
const producer = coalesceSends(await createProducer(kafka));
const consumer = await startWriter(config.name, {
  kafka,
  cassandra,
  producer,
  logger,
  metrics: createMetricsRegistry('writer-process'),
  clock: () => new Date(),
  groupId: config.groupId,
  topics: config.topics,
  concurrency: config.concurrency ?? 3,
  keyConcurrency: config.keyConcurrency ?? 4,
  ...(config.maxBatchRecords !== undefined && { maxBatchRecords: config.maxBatchRecords }),
  ...(config.commitIntervalMs !== undefined && { commitIntervalMs: config.commitIntervalMs }),
  sessionTimeoutMs: 6_000,
  lagRefreshMs: 0,
});
process.stdout.write(JSON.stringify({ msg: 'consuming' }) + '\n');
process.once('SIGTERM', () => {
  void consumer
    .stop()
    .then(() => producer.disconnect())
    .then(() => cassandra.shutdown())
    .then(() => process.exit(0));
});
