import type { MessageProducer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

/**
 * A producer that connects in the background and again after a failed connect, so a
 * subgraph starts and answers reads while Kafka is down: only its mutations fail
 * (STORE_UNAVAILABLE) until Kafka is back. One failure stays local.
 */
export function lazyProducer(connect: () => Promise<MessageProducer>, logger: Logger): MessageProducer {
  let connecting: Promise<MessageProducer> | undefined;
  let closed = false;
  const producer = (): Promise<MessageProducer> => {
    connecting ??= connect().catch((error: unknown) => {
      connecting = undefined;
      logger.warn({ err: error }, 'Kafka producer could not connect; mutations fail until it does');
      throw error;
    });
    return connecting;
  };
  // Connect early, so the first mutation does not pay for it; a failure here is retried on use.
  producer().catch(() => undefined);
  return {
    async send(records) {
      if (closed) throw new Error('the producer is disconnected');
      await (await producer()).send(records);
    },
    async disconnect() {
      closed = true;
      const current = connecting;
      connecting = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
