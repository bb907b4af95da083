import kafkajs from 'kafkajs';
import type { IHeaders, Kafka, Producer } from 'kafkajs';

/**
 * Headers a dead-lettered record carries besides its own: where it came from, which group
 * gave up on it, and why. The original key, value and headers are kept byte for byte, so the
 * record can be inspected, fixed and re-published to its source topic.
 */
export const deadLetterHeader = {
  sourceTopic: 'x-deadletter-source-topic',
  sourcePartition: 'x-deadletter-source-partition',
  sourceOffset: 'x-deadletter-source-offset',
  consumerGroup: 'x-deadletter-consumer-group',
  reasonCode: 'x-deadletter-reason-code',
  reason: 'x-deadletter-reason',
  deadLetteredAt: 'x-deadletter-at',
} as const;

/** The record being given up on, as the consumer received it. */
export interface PoisonRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

/** Why a record is dead-lettered: a stable code (e.g. UNDECODABLE) and a message for people. */
export interface DeadLetterReason {
  readonly code: string;
  readonly reason: string;
}

/** Where a dead-lettered record came from and why, read back from its headers. */
export interface DeadLetterSource extends DeadLetterReason {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string;
  readonly deadLetteredAt: string;
}

/** The dead-letter message for a poison record: its own bytes plus the headers above. */
export function deadLetterMessage(
  record: PoisonRecord,
  groupId: string,
  why: DeadLetterReason,
  at: Date,
): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [deadLetterHeader.sourceTopic]: record.topic,
      [deadLetterHeader.sourcePartition]: String(record.partition),
      [deadLetterHeader.sourceOffset]: record.offset,
      [deadLetterHeader.consumerGroup]: groupId,
      [deadLetterHeader.reasonCode]: why.code,
      [deadLetterHeader.reason]: why.reason,
      [deadLetterHeader.deadLetteredAt]: at.toISOString(),
    },
  };
}

/** Reads the provenance headers of a record consumed from the dead-letter topic. */
export function deadLetterSource(headers: IHeaders = {}): DeadLetterSource | undefined {
  const text = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : (Array.isArray(value) ? value[0] : value)?.toString();
  };
  const topic = text(deadLetterHeader.sourceTopic);
  const partition = text(deadLetterHeader.sourcePartition);
  const offset = text(deadLetterHeader.sourceOffset);
  if (topic === undefined || partition === undefined || offset === undefined) return undefined;
  return {
    topic,
    partition: Number(partition),
    offset,
    consumerGroup: text(deadLetterHeader.consumerGroup) ?? '',
    code: text(deadLetterHeader.reasonCode) ?? '',
    reason: text(deadLetterHeader.reason) ?? '',
    deadLetteredAt: text(deadLetterHeader.deadLetteredAt) ?? '',
  };
}

/** Publishes poison records to the dead-letter topic, waiting for every in-sync replica. */
export interface DeadLetterPublisher {
  publish(record: PoisonRecord, groupId: string, why: DeadLetterReason): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A producer of its own rather than the shared `MessageProducer`: a dead letter keeps the
 * original key and header bytes, which need not be text.
 */
export async function createDeadLetterPublisher(
  kafka: Kafka,
  topic: string,
  now: () => Date = () => new Date(),
): Promise<DeadLetterPublisher> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async publish(record, groupId, why) {
      await producer.send({ topic, acks: -1, messages: [deadLetterMessage(record, groupId, why, now())] });
    },
    disconnect: () => producer.disconnect(),
  };
}

/**
 * A publisher that connects on its first dead letter, not at start-up: poison records are rare,
 * and each consumer group's own idempotent producer was a sign-in and a producer id at every
 * start (a process of six groups: six, in the way of its restart → ready). A failed connect is
 * forgotten, so the record's retry connects again; disconnect closes only what was opened.
 */
export function lazyDeadLetterPublisher(connect: () => Promise<DeadLetterPublisher>): DeadLetterPublisher {
  let connecting: Promise<DeadLetterPublisher> | undefined;
  const connected = () => {
    connecting ??= connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };
  return {
    publish: async (...args) => (await connected()).publish(...args),
    async disconnect() {
      const opened = connecting;
      connecting = undefined;
      if (opened) await (await opened.catch(() => undefined))?.disconnect();
    },
  };
}
