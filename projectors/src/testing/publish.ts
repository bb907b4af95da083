import { toBinary } from '@bufbuild/protobuf';
import { CollectionEventSchema } from '@verograph/contracts/collections/v1/events';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { UserEventSchema } from '@verograph/contracts/users/v1/events';
import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';

import type { ProjectedEvent, StreamTopics } from '../events/projectedEvent.ts';

/** Encodes an event as the writers publish it: protobuf, keyed by its aggregate. */
export function encodeEvent(projected: ProjectedEvent): Uint8Array {
  switch (projected.stream) {
    case 'users':
      return toBinary(UserEventSchema, projected.event);
    case 'posts':
      return toBinary(PostEventSchema, projected.event);
    case 'collections':
      return toBinary(CollectionEventSchema, projected.event);
  }
}

export async function publishEvents(
  producer: MessageProducer,
  topics: StreamTopics,
  stream: readonly ProjectedEvent[],
  headers: Record<string, string> = {},
): Promise<void> {
  const records: OutgoingRecord[] = stream.map((e) => ({
    topic: topics[e.stream],
    key: e.event.envelope?.aggregateId ?? '',
    value: encodeEvent(e),
    headers,
  }));
  // One at a time keeps the order of events that share a key, as one writer would.
  for (const record of records) await producer.send([record]);
}
