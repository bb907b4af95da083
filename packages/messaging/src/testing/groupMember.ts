/**
 * A consumer in a process of its own, for specs that kill it with `kill -9`:
 * `node --import tsx groupMember.ts <topic> <groupId>` with KAFKA_BROKERS, the Kafka sign-in
 * and INSTANCE_ID in its environment; prints `ready` once the group gave it its partitions.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { runConsumer } from '../consumer.ts';
import { createKafka } from '../producer.ts';

const [topic, groupId] = process.argv.slice(2);
const kafka = createKafka('group-member', (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','));
const consumer = await runConsumer({
  kafka,
  groupId: groupId!,
  topics: [topic!],
  handle: async () => ({ kind: 'done' }),
  logger: pino({ level: 'warn' }),
  metrics: new Registry(),
  lagRefreshMs: 0,
});
const timer = setInterval(() => {
  if (consumer.isReady()) {
    clearInterval(timer);
    process.stdout.write('ready\n');
  }
}, 50);
