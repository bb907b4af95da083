import type { HandlerOutcome, IncomingRecord, RecordHandler } from '@verograph/messaging';

import { createBatchHandler, type BatchHandlerDeps } from './batchHandler.ts';

export { encodeOutcome, type WriterTopics } from './batchHandler.ts';

export type CommandHandlerDeps<C, E, S> = BatchHandlerDeps<C, E, S>;

/**
 * The writer's handling of one command record: a batch of one (see `createBatchHandler` for
 * the crash-safe order). For callers that hand over records one at a time; the writers
 * themselves hand over whole batches.
 */
export function createCommandHandler<C, E, S>(deps: CommandHandlerDeps<C, E, S>): RecordHandler {
  const handleBatch = createBatchHandler(deps);
  return async (record: IncomingRecord): Promise<HandlerOutcome> => {
    const [outcome] = await handleBatch({
      topic: record.topic,
      partition: record.partition,
      records: [record],
      // One record handed over on its own has no partition lease to check.
      assertOwned: async () => undefined,
    });
    if (!outcome) throw new Error(`no outcome for the record at offset ${record.offset}`);
    return outcome;
  };
}
