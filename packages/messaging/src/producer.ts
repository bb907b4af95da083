import kafkajs from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';

import { stopKafkajsIdleLoop } from './kafkajsIdleLoop.ts';
import { instanceId, kafkaClientId, rememberInstanceClient } from './predecessors.ts';

/** One record to publish. The key decides the partition, and so the order. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MessageProducer {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** A Kafka principal's sign-in (SASL/SCRAM-SHA-512, as the stack's brokers require). */
export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * KAFKA_USERNAME / KAFKA_PASSWORD, both or neither: a half-given pair fails at once rather
 * than as an authentication error on the first request.
 */
export function kafkaCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaCredentials | undefined {
  const username = env.KAFKA_USERNAME || undefined;
  const password = env.KAFKA_PASSWORD || undefined;
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new Error(
      "KAFKA_USERNAME and KAFKA_PASSWORD go together: set both (the service's Kafka principal) or neither",
    );
  }
  return { username, password };
}

/**
 * A Kafka client signed in as `credentials`; a service passes the ones its configuration read,
 * and a script or test that passes none signs in as KAFKA_USERNAME / KAFKA_PASSWORD.
 */
export function createKafka(
  clientId: string,
  brokers: readonly string[],
  credentials: KafkaCredentials | undefined = kafkaCredentialsFromEnv(),
): Kafka {
  stopKafkajsIdleLoop();
  const instanceClientId = kafkaClientId(clientId);
  const kafka = new kafkajs.Kafka({
    clientId: instanceClientId,
    brokers: [...brokers],
    ...(credentials && {
      sasl: { mechanism: 'scram-sha-512', username: credentials.username, password: credentials.password },
    }),
    logLevel: kafkajs.logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  if (instanceId()) rememberInstanceClient(kafka, instanceClientId);
  return kafka;
}

/**
 * An idempotent producer (no duplicates from its own retries, order kept per partition)
 * that waits for all in-sync replicas. Records for several topics go in one call, grouped
 * per topic into one request.
 */
export async function createProducer(kafka: Kafka): Promise<MessageProducer> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Named, not defaulted: the Java client's murmur2 partitioning, so a key lands on the
    // same partition whichever client published it (and kafkajs stops warning about it).
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async send(records) {
      if (records.length === 0) return;
      const byTopic = new Map<string, kafkajs.Message[]>();
      for (const r of records) {
        const messages = byTopic.get(r.topic) ?? [];
        messages.push({ key: r.key, value: Buffer.from(r.value), headers: { ...r.headers } });
        byTopic.set(r.topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },
    disconnect: () => producer.disconnect(),
  };
}

/**
 * A producer usable before it is connected: `send` waits for the connection. A service starts
 * its producer beside its other clients and consumer groups instead of before them, and awaits
 * `connecting` with them so that a producer that cannot connect still ends the start-up.
 */
export function producerWhenConnected(connecting: Promise<MessageProducer>): MessageProducer {
  // Awaited by the caller; this only keeps a failure from being unhandled meanwhile.
  connecting.catch(() => undefined);
  return {
    send: async (records) => (await connecting).send(records),
    disconnect: async () => (await connecting).disconnect(),
  };
}
