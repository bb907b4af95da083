import type { RecordHandler } from '@verograph/messaging';
import type { Logger } from '@verograph/service';

import { deadLetter, done } from '../consumer/projector.ts';
import { InvalidEventError } from '../events/projectedEvent.ts';
import { insightKindOf, planInsight, type InsightTopics } from './insightsPlan.ts';
import type { InsightsStore } from './insightsStore.ts';

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
