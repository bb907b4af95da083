import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { runConsumer, topics, type MessageProducer, type RunningConsumer } from '@verograph/messaging';

import { createCollectionsWriter } from './collections/collectionsWriter.ts';
import type { WriterName } from './config.ts';
import { postThrottledAction, userThrottledAction, withFloodGuard } from './floodGuard/floodGuard.ts';
import type { ThrottleBook } from './floodGuard/throttleBook.ts';
import { createPostsWriter } from './posts/postsWriter.ts';
import { createUsersWriter } from './users/usersWriter.ts';
import type { AggregateWriter } from './writer/aggregateWriter.ts';
import { createBatchHandler, type WriterTopics } from './writer/batchHandler.ts';
import { createDecisionLog } from './writer/decisionLog.ts';

/** The topics a writer reads and writes, by writer. */
export function writerTopics(name: WriterName): WriterTopics & { readonly deadLetter: string } {
  const common = { outcomes: topics.commandOutcomes, deadLetter: topics.deadLetter };
  switch (name) {
    case 'users':
      return { ...common, commands: topics.usersCommands, events: topics.usersEvents };
    case 'posts':
      return { ...common, commands: topics.postsCommands, events: topics.postsEvents };
    case 'collections':
      return { ...common, commands: topics.collectionsCommands, events: topics.collectionsEvents };
  }
}

export interface WriterDeps {
  readonly kafka: Kafka;
  /** Connected, with the keyspace of the system of record selected. */
  readonly cassandra: cassandra.Client;
  /** Shared by the writers of a process; events and outcomes go through it. */
  readonly producer: MessageProducer;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly clock: () => Date;
  readonly groupId: string;
  readonly topics: WriterTopics & { readonly deadLetter: string };
  /** Partitions handled at once. */
  readonly concurrency: number;
  /** Aggregates (record keys) handled at once within a batch; each aggregate's commands keep their order. */
  readonly keyConcurrency?: number;
  /** The most command records handled as one batch. Defaults to 500. */
  readonly maxBatchRecords?: number;
  /** Handled offsets are committed at least this often (and when the writer stops). */
  readonly commitIntervalMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly lagRefreshMs?: number;
  /** The throttles of the insights job: a throttled user's comments, follows and connection requests are RATE_LIMITED. */
  readonly floodGuard?: ThrottleBook;
}

/** Builds one writer and runs it as its own consumer group; resolves once it is consuming. */
export async function startWriter(name: WriterName, deps: WriterDeps): Promise<RunningConsumer> {
  const logger = deps.logger.child({ writer: name });
  const common = {
    decisions: createDecisionLog(deps.cassandra),
    producer: deps.producer,
    topics: deps.topics,
    clock: deps.clock,
    logger,
    ...(deps.keyConcurrency !== undefined && { aggregateConcurrency: deps.keyConcurrency }),
  };
  const build = <C, E, S>(writer: AggregateWriter<C, E, S>) => ({
    handleBatch: createBatchHandler({ ...common, writer }),
    forget: () => writer.forget?.(),
  });
  const { handleBatch, forget } = (() => {
    switch (name) {
      case 'users':
        return build(withFloodGuard(createUsersWriter(deps.cassandra), deps.floodGuard, userThrottledAction));
      case 'posts':
        return build(withFloodGuard(createPostsWriter(deps.cassandra), deps.floodGuard, postThrottledAction));
      case 'collections':
        return build(createCollectionsWriter(deps.cassandra));
    }
  })();
  return runConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: [deps.topics.commands],
    deadLetterTopic: deps.topics.deadLetter,
    handleBatch,
    // Another member may have written these partitions' aggregates since this one last owned them.
    onAssignment: forget,
    maxBatchRecords: deps.maxBatchRecords ?? 500,
    logger,
    metrics: deps.metrics,
    fromBeginning: true,
    partitionsConsumedConcurrently: deps.concurrency,
    ...(deps.sessionTimeoutMs !== undefined && { sessionTimeoutMs: deps.sessionTimeoutMs }),
    ...(deps.lagRefreshMs !== undefined && { lagRefreshMs: deps.lagRefreshMs }),
    ...(deps.commitIntervalMs !== undefined && { commitIntervalMs: deps.commitIntervalMs }),
  });
}
