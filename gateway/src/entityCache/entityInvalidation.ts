import { randomUUID } from 'node:crypto';

import { createKafka } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import type { PublicEntityCache } from './publicEntityCache.ts';

type Consumer = ReturnType<ReturnType<typeof createKafka>['consumer']>;

export interface EntityInvalidationOptions {
  readonly kafkaBrokers: readonly string[];
  /** `users.events`: every profile change is published there by the users writer. */
  readonly topic: string;
  readonly cache: PublicEntityCache;
  readonly logger: Logger;
}

export interface EntityInvalidation {
  /** Starts consuming in the background; the cache goes live once the consumer has joined. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Keeps the public entity cache honest: every record on users.events drops the cached
 * entities of its key. The writers key events by aggregate id, which for profile events
 * (ProfileCreated, ProfileUpdated) is the user id; other events drop an unrelated or
 * harmless key. Each gateway reads the whole topic from its end under a group of its own
 * (every instance must see every event). The cache serves only while this consumer is
 * running: before it has joined, after a crash and while Kafka is away, the cache is off
 * and every fetch goes to the subgraph, so a missed event can never keep a stale profile.
 */
export function createEntityInvalidation(options: EntityInvalidationOptions): EntityInvalidation {
  const { cache, logger, topic } = options;
  const kafka = createKafka('gateway-entity-cache', options.kafkaBrokers);
  let consumer: Consumer | undefined;
  let stopped = false;

  const run = async (): Promise<void> => {
    const current = kafka.consumer({
      groupId: `gateway-entity-cache-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    consumer = current;
    current.on(current.events.GROUP_JOIN, () => cache.setLive(true));
    for (const event of [current.events.CRASH, current.events.DISCONNECT, current.events.STOP]) {
      current.on(event, () => cache.setLive(false));
    }
    await current.connect();
    await current.subscribe({ topic, fromBeginning: false });
    await current.run({
      // Nothing to resume from either: no offsets committed, so the group leaves no trace.
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const key = message.key?.toString('utf8');
        if (key) cache.invalidate(key);
      },
    });
  };

  return {
    start() {
      run().catch((error: unknown) => {
        cache.setLive(false);
        if (!stopped) {
          logger.warn({ err: error }, 'entity cache invalidation is not running; the entity cache stays off');
        }
      });
    },
    async stop() {
      stopped = true;
      cache.setLive(false);
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}
