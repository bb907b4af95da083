import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Kafka } from 'kafkajs';

import { testGroup, until } from './engines.ts';

/** One record a projector published, by its key. */
export interface Published<T> {
  readonly key: string;
  readonly update: T;
}

/**
 * Reads a topic of this run from its start, each record decoded as `schema`, until at least
 * `count` are in (`what` names them when they do not come): what a projector published.
 */
export async function readPublished<Desc extends DescMessage>(
  kafka: Kafka,
  topic: string,
  schema: Desc,
  count: number,
  what: string,
): Promise<Published<MessageShape<Desc>>[]> {
  const consumer = kafka.consumer({ groupId: testGroup('reader') });
  const seen: Published<MessageShape<Desc>>[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push({ key: message.key!.toString(), update: fromBinary(schema, message.value!) });
    },
  });
  try {
    await until(what, () => (seen.length >= count ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
