import type { BatchHandler, RecordHandler } from '@verograph/messaging';
import type cassandra from 'cassandra-driver';
import type { Logger } from '@verograph/service';

import { deadLetter, done } from '../consumer/projector.ts';
import { InvalidEventError } from '../events/projectedEvent.ts';
import { insightKindOf, planInsight, type InsightTopics } from './insightsPlan.ts';
import type { Replay } from '../rebuild/rebuildReadModel.ts';
import { createInsightsStore, type InsightsStore } from './insightsStore.ts';

export interface InsightsProjectorDeps {
  readonly store: InsightsStore;
  readonly topics: InsightTopics;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * The insights projector: the insights job's results (insights.trending_tags,
 * insights.post_engagement, insights.follower_changes) into the insights read model. It reads
 * results, not events, so it has its own record handler beside the event projectors'; the job
 * writes them in transactions, and the consumer reads committed records only (kafkajs's
 * default, which `runConsumer` keeps).
 */
export function insightsRecordHandler(deps: InsightsProjectorDeps): RecordHandler {
  const log = deps.logger.child({ projector: 'insights' });
  return async (record) => {
    const kind = insightKindOf(deps.topics, record.topic);
    if (!kind) return deadLetter('UNEXPECTED_TOPIC', `the insights projector does not read ${record.topic}`);
    if (!record.value || record.value.length === 0) {
      return deadLetter('EMPTY_RECORD', `a record on ${record.topic} has no value`);
    }
    try {
      const row = planInsight(kind, record.value, deps.clock());
      if (row) await deps.store.write(row);
      else log.debug({ topic: record.topic, offset: record.offset }, 'a result past its time was skipped');
      return done;
    } catch (error) {
      if (error instanceof InvalidEventError) return deadLetter('UNDECODABLE', error.message);
      throw error;
    }
  };
}

/**
 * The same, a batch of one partition at once, every record's write in flight together. Each
 * write is an upsert keyed by its window (the newest trending window wins by its write
 * timestamp, not by arrival), so their order does not matter; one at a time, a window's ~50 tag
 * results waited ~200 ms for each other before the last of them could be read (`npm run bench --
 * insights`, "read side adds"). A failed write throws, and the batch is retried whole.
 */
export function insightsBatchHandler(deps: InsightsProjectorDeps): BatchHandler {
  const handle = insightsRecordHandler(deps);
  return (batch) => Promise.all(batch.records.map((record) => handle(record)));
}

/**
 * The insights read model as a rebuild sees it (`npm run rebuild -- insights`): emptied, then the
 * result topics replayed through the live handler. The topics keep what the read model serves
 * (trending tags a day, engagement and follower changes a week: migrations/kafka/0004), and a
 * result past its time is skipped as it is live, so the rebuilt model equals the live one.
 */
export function insightsReplay(deps: {
  cassandra: cassandra.Client;
  topics: InsightTopics;
  liveGroupId: string;
  logger: Logger;
  clock?: () => Date;
}): Replay {
  const store = createInsightsStore(deps.cassandra);
  return {
    name: 'insights',
    topics: Object.values(deps.topics),
    handle: insightsRecordHandler({
      store,
      topics: deps.topics,
      clock: deps.clock ?? (() => new Date()),
      logger: deps.logger,
    }),
    clear: () => store.clear(),
    liveGroupId: deps.liveGroupId,
  };
}
