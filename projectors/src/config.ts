import { topics } from '@verograph/messaging';
import { ConfigError, engineAddresses, envReader, type EngineAddresses, type EnvReader } from '@verograph/service';

import { projectorNames, type ProjectorName } from './consumer/projector.ts';
import type { StreamTopics } from './events/projectedEvent.ts';
import { defaultFeedStoreSettings, type FeedStoreSettings } from './feeds/feedStore.ts';
import { defaultFeedsSettings, type FeedsSettings } from './feeds/feedsProjector.ts';
import type { InsightTopics } from './insights/insightsPlan.ts';
import { searchAliases, type SearchIndices } from './search/searchStore.ts';

/** Everything the projectors process reads from its environment, read once at start. */
export interface ProjectorsConfig {
  /** The event projectors chosen in PROJECTORS. */
  readonly projectors: readonly ProjectorName[];
  /** Whether PROJECTORS names `insights`: the insights job's results into their read model. */
  readonly insights: boolean;
  readonly insightTopics: InsightTopics;
  readonly port: number;
  readonly engines: EngineAddresses;
  /** Prefix of the consumer groups: `<prefix>.feeds`, `<prefix>.search`, … */
  readonly groupPrefix: string;
  readonly topics: StreamTopics;
  readonly feedUpdatesTopic: string;
  readonly engagementUpdatesTopic: string;
  readonly notificationUpdatesTopic: string;
  readonly deadLetterTopic: string;
  readonly searchAliases: SearchIndices;
  readonly feeds: FeedsSettings;
  readonly fanOut: FeedStoreSettings;
  /**
   * Partitions each consumer handles at once; order is kept within each. All 12 by default: the
   * feeds projector waits on reads for every event, one at a time per partition, so with 4 it
   * drained the demo network's backlog at ~7 events/s on a loaded machine (Cassandra with CPU to
   * spare), and at ~50-100/s once switched to 12 in the same run.
   */
  readonly partitionsConcurrently: number;
  /**
   * Keys each partition handles at once, for the projectors whose order is per key only
   * (`Projector.keyOrderSuffices`): their handlers wait on a read and a publish per event, so
   * one at a time per partition held them to a few hundred events/s.
   */
  readonly keysConcurrently: number;
}

export function readConfig(env: EnvReader = envReader()): ProjectorsConfig {
  const known = [...projectorNames, 'insights'];
  const chosen = env.list('PROJECTORS', known);
  const unknown = chosen.filter((name) => !known.includes(name));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new ConfigError(`PROJECTORS=${chosen.join(',')} must list some of ${known.join(', ')}`);
  }
  return {
    projectors: [...new Set(chosen.filter((name): name is ProjectorName => name !== 'insights'))],
    insights: chosen.includes('insights'),
    insightTopics: {
      trendingTags: env.string('INSIGHTS_TRENDING_TAGS_TOPIC', topics.insightsTrendingTags),
      postEngagement: env.string('INSIGHTS_POST_ENGAGEMENT_TOPIC', topics.insightsPostEngagement),
      followerChanges: env.string('INSIGHTS_FOLLOWER_CHANGES_TOPIC', topics.insightsFollowerChanges),
    },
    port: env.int('PROJECTORS_PORT', 4200, { min: 0, max: 65535 }),
    engines: engineAddresses(env),
    groupPrefix: env.string('PROJECTORS_GROUP_PREFIX', 'projectors'),
    topics: {
      users: env.string('USERS_EVENTS_TOPIC', topics.usersEvents),
      posts: env.string('POSTS_EVENTS_TOPIC', topics.postsEvents),
      collections: env.string('COLLECTIONS_EVENTS_TOPIC', topics.collectionsEvents),
    },
    feedUpdatesTopic: env.string('FEED_UPDATES_TOPIC', topics.feedUpdates),
    engagementUpdatesTopic: env.string('ENGAGEMENT_UPDATES_TOPIC', topics.engagementUpdates),
    notificationUpdatesTopic: env.string('NOTIFICATION_UPDATES_TOPIC', topics.notificationUpdates),
    deadLetterTopic: env.string('DEAD_LETTER_TOPIC', topics.deadLetter),
    searchAliases: {
      users: env.string('SEARCH_USERS_INDEX', searchAliases.users),
      posts: env.string('SEARCH_POSTS_INDEX', searchAliases.posts),
      audiences: env.string('SEARCH_AUDIENCES_INDEX', searchAliases.audiences),
    },
    feeds: {
      pushLimit: env.int('FEED_PUSH_LIMIT', defaultFeedsSettings.pushLimit, { min: 0 }),
      followerPageSize: env.int('FEED_FOLLOWER_PAGE_SIZE', defaultFeedsSettings.followerPageSize, {
        min: 1,
        max: 10_000,
      }),
      backfill: env.int('FEED_BACKFILL', defaultFeedsSettings.backfill, { min: 0, max: 10_000 }),
    },
    fanOut: {
      batchSize: env.int('FEED_FANOUT_BATCH_SIZE', defaultFeedStoreSettings.batchSize, { min: 1, max: 100 }),
      concurrency: env.int('FEED_FANOUT_CONCURRENCY', defaultFeedStoreSettings.concurrency, { min: 1, max: 512 }),
    },
    partitionsConcurrently: env.int('PROJECTORS_PARTITIONS_CONCURRENTLY', 12, { min: 1, max: 64 }),
    keysConcurrently: env.int('PROJECTORS_KEYS_CONCURRENTLY', 16, { min: 1, max: 256 }),
  };
}
