import { broadcastKeys, createKafka, type KeyBroadcast } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import type { PublicEntityCache } from './publicEntityCache.ts';

export interface EntityInvalidationOptions {
  readonly kafkaBrokers: readonly string[];
  /** `users.events`: every profile change is published there by the users writer. */
  readonly topic: string;
  readonly cache: PublicEntityCache;
  readonly logger: Logger;
}

/**
 * Keeps the public entity cache honest: every record on users.events drops the cached
 * entities of its key. The writers key events by aggregate id, which for profile events
 * (ProfileCreated, ProfileUpdated) is the user id; other events drop an unrelated or
 * harmless key. Each gateway hears the whole topic from its end (`broadcastKeys`). The cache
 * serves only while that consumer is joined: before it has joined, after a crash and while
 * Kafka is away, the cache is off and every fetch goes to the subgraph, so a missed event
 * can never keep a stale profile.
 */
export function createEntityInvalidation(options: EntityInvalidationOptions): KeyBroadcast {
  const { cache, logger, topic } = options;
  return broadcastKeys({
    kafka: createKafka('gateway-entity-cache', options.kafkaBrokers),
    groupPrefix: 'gateway-entity-cache',
    topic,
    onKey: (key) => cache.invalidate(key),
    onLive: (live) => cache.setLive(live),
    logger,
  });
}
