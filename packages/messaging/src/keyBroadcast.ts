import { randomUUID } from 'node:crypto';

import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface KeyBroadcastOptions {
  readonly kafka: Kafka;
  /** The consumer groups' prefix; each process adds a random suffix (every instance hears every key). */
  readonly groupPrefix: string;
  readonly topic: string;
  /** Called with each record's key, in partition order. */
  readonly onKey: (key: string) => void;
  /**
   * True once the consumer has joined (from then on no key is missed); false when it crashes,
   * disconnects or stops (keys may be missed until it joins again).
   */
  readonly onLive: (live: boolean) => void;
  readonly logger: Pick<Logger, 'warn'>;
}

export interface KeyBroadcast {
  /** Starts consuming in the background. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Every process hears every key of a topic, from the moment it joins: what an in-process
 * cache needs to drop what an event changed. Each process reads the whole topic from its end
 * under a consumer group of its own and commits nothing, so it leaves no offsets behind and a
 * restart starts at the end again. `onLive` says when the keys are complete: a cache must not
 * serve while it is false, since an event may have gone by unheard.
 */
export function broadcastKeys(options: KeyBroadcastOptions): KeyBroadcast {
  const { kafka, topic, onKey, onLive, logger } = options;
  let consumer: Consumer | undefined;
  let stopped = false;

  const run = async (): Promise<void> => {
    const current = kafka.consumer({
      groupId: `${options.groupPrefix}-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    consumer = current;
    current.on(current.events.GROUP_JOIN, () => onLive(true));
    for (const event of [current.events.CRASH, current.events.DISCONNECT, current.events.STOP]) {
      current.on(event, () => onLive(false));
    }
    await current.connect();
    await current.subscribe({ topic, fromBeginning: false });
    await current.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const key = message.key?.toString('utf8');
        if (key) onKey(key);
      },
    });
  };

  return {
    start() {
      run().catch((error: unknown) => {
        onLive(false);
        if (!stopped) logger.warn({ err: error, topic }, 'key broadcast is not running; caches that need it stay off');
      });
    },
    async stop() {
      stopped = true;
      onLive(false);
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}
