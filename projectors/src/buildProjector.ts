import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { topics, type MessageProducer } from '@verograph/messaging';
import type cassandra from 'cassandra-driver';
import type pg from 'pg';

import { createWriteClock, type WriteClock } from './cassandra/writeClock.ts';
import { createCollectionsProjector } from './collections/collectionsProjector.ts';
import { createCollectionsStore } from './collections/collectionsStore.ts';
import type { Projector, ProjectorName } from './consumer/projector.ts';
import { createCountersProjector } from './counters/countersProjector.ts';
import { createCountersStore } from './counters/countersStore.ts';
import { createFeedStore, type FeedStoreSettings } from './feeds/feedStore.ts';
import { createFeedsProjector, type FeedsSettings } from './feeds/feedsProjector.ts';
import { createFeedUpdatesPublisher, discardFeedUpdates } from './feeds/feedUpdates.ts';
import { createLiveProjector, createPostCountsReader } from './live/liveProjector.ts';
import { createNotificationUpdatesPublisher, discardNotificationUpdates } from './notifications/notificationUpdates.ts';
import { createNotificationsProjector } from './notifications/notificationsProjector.ts';
import { createNotificationsStore } from './notifications/notificationsStore.ts';
import { createSearchProjector } from './search/searchProjector.ts';
import type { SearchTarget } from './search/searchDocs.ts';
import { createSearchStore, resolveWriteIndices, type SearchIndices } from './search/searchStore.ts';

/** What it takes to build any projector; each uses only its own part. */
export interface ProjectorParts {
  readonly cassandra?: cassandra.Client;
  readonly elasticsearch?: ElasticsearchClient;
  /** Concrete indices (specs), or aliases whose write indices are resolved on first use. */
  readonly searchIndices?: SearchIndices;
  readonly searchAliases?: SearchIndices;
  readonly postgres?: pg.Pool;
  /** Absent during a rebuild: live updates are news, not part of a read model. */
  readonly producer?: MessageProducer;
  readonly feedUpdatesTopic: string;
  readonly engagementUpdatesTopic: string;
  /** `notification.updates` unless a spec keeps its own. */
  readonly notificationUpdatesTopic?: string;
  readonly feeds: FeedsSettings;
  readonly fanOut: FeedStoreSettings;
  readonly groupPrefix: string;
  readonly clock?: WriteClock;
}

/** A projector ready to run, and how to empty the read model it builds (for a rebuild). */
export interface BuiltProjector {
  readonly projector: Projector;
  readonly clear?: () => Promise<void>;
}

const SEARCH_TARGETS: readonly SearchTarget[] = ['users', 'posts', 'audiences'];

export function buildProjector(name: ProjectorName, parts: ProjectorParts): BuiltProjector {
  const group = `${parts.groupPrefix}.${name}`;
  const clock = parts.clock ?? createWriteClock();
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${name} projector needs ${what}`);
    return value;
  };
  switch (name) {
    case 'feeds': {
      const client = need(parts.cassandra, 'Cassandra');
      const store = createFeedStore(client, parts.fanOut);
      const updates = parts.producer
        ? createFeedUpdatesPublisher(parts.producer, parts.feedUpdatesTopic)
        : discardFeedUpdates;
      return {
        projector: createFeedsProjector({ store, updates, clock, settings: parts.feeds }, group),
        clear: async () => {
          await client.execute('TRUNCATE feed_by_viewer');
          await client.execute('TRUNCATE pulled_authors');
        },
      };
    }
    case 'search': {
      const client = need(parts.elasticsearch, 'Elasticsearch');
      const aliases = parts.searchAliases;
      const indices = parts.searchIndices ?? (aliases && (() => resolveWriteIndices(client, aliases)));
      const store = createSearchStore(client, need(indices, 'search indices or aliases'));
      return { projector: createSearchProjector({ store }, group), clear: () => store.clear(SEARCH_TARGETS) };
    }
    case 'collections': {
      const store = createCollectionsStore(need(parts.postgres, 'PostgreSQL'));
      return { projector: createCollectionsProjector({ store }, group), clear: () => store.clear() };
    }
    case 'counters': {
      const store = createCountersStore(need(parts.cassandra, 'Cassandra'));
      return { projector: createCountersProjector({ store, clock }, group), clear: () => store.clear() };
    }
    case 'live':
      return {
        projector: createLiveProjector(
          {
            postCounts: createPostCountsReader(need(parts.cassandra, 'Cassandra')),
            producer: need(parts.producer, 'a Kafka producer'),
            topic: parts.engagementUpdatesTopic,
          },
          group,
        ),
      };
    case 'notifications': {
      const store = createNotificationsStore(need(parts.cassandra, 'Cassandra'));
      const updates = parts.producer
        ? createNotificationUpdatesPublisher(
            parts.producer,
            parts.notificationUpdatesTopic ?? topics.notificationUpdates,
          )
        : discardNotificationUpdates;
      return { projector: createNotificationsProjector({ store, updates }, group), clear: () => store.clear() };
    }
  }
}
