import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ThrottledAction, ThrottleSchema } from '@verograph/contracts/insights/v1/insights';
import type { Kafka } from 'kafkajs';

import { throttleKey, type ThrottledActionName } from '../floodGuard/throttleBook.ts';

const actions: Record<ThrottledActionName, ThrottledAction> = {
  COMMENT: ThrottledAction.COMMENT,
  FOLLOW: ThrottledAction.FOLLOW,
  CONNECTION_REQUEST: ThrottledAction.CONNECTION_REQUEST,
};

export interface ThrottleToPublish {
  readonly userId: string;
  readonly action: ThrottledActionName;
  readonly until: Date;
}

/** A compacted throttles topic of this run, as migrations/kafka declares insights.throttles. */
export async function createThrottlesTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Publishes throttles in one transaction, committed or aborted, as the insights job's transactional sink does. */
export async function publishThrottles(
  kafka: Kafka,
  topic: string,
  throttles: readonly ThrottleToPublish[],
  outcome: 'commit' | 'abort' = 'commit',
): Promise<void> {
  const producer = kafka.producer({
    transactionalId: `test-insights-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({
      topic,
      messages: throttles.map(({ userId, action, until }) => ({
        key: throttleKey(userId, action),
        value: Buffer.from(
          toBinary(
            ThrottleSchema,
            create(ThrottleSchema, {
              userId,
              action: actions[action],
              until: timestampFromDate(until),
              attempts: 11n,
              limit: 10n,
            }),
          ),
        ),
      })),
    });
    await (outcome === 'commit' ? transaction.commit() : transaction.abort());
  } finally {
    await producer.disconnect();
  }
}
