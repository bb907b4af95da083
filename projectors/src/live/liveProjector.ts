import { toBinary } from '@bufbuild/protobuf';
import { EngagementUpdateSchema } from '@verograph/contracts/live/v1/updates';
import type { MessageProducer } from '@verograph/messaging';
import type cassandra from 'cassandra-driver';

import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { engagementFactOf, engagementUpdateFor, type PostCounts } from './engagementUpdates.ts';

export interface LiveDeps {
  /** Reads a post's counts from the system of record (`posts`). */
  readonly postCounts: (postId: string) => Promise<PostCounts | undefined>;
  readonly producer: MessageProducer;
  readonly topic: string;
}

/**
 * The live engagement projector: every love, unlove and comment becomes an EngagementUpdate
 * on engagement.updates, keyed by post, for the gateway's `postEngagement` subscription.
 */
export function createLiveProjector(deps: LiveDeps, groupId = 'projectors.live'): Projector {
  return {
    name: 'live',
    groupId,
    streams: ['posts'],
    // One post's updates in order is all a subscriber sees: each carries that post's counts as read.
    keyOrderSuffices: true,
    handle: (event, context) => handleLiveEvent(event, deps, context),
  };
}

export function handleLiveEvent(
  projected: ProjectedEvent,
  deps: LiveDeps,
  context: DeliveryContext,
): Promise<HandlerOutcome> {
  return applying(async () => {
    const fact = engagementFactOf(projected);
    if (!fact) return;
    const update = engagementUpdateFor(projected, fact, await deps.postCounts(fact.postId));
    await deps.producer.send([
      {
        topic: deps.topic,
        key: update.postId,
        value: toBinary(EngagementUpdateSchema, update),
        headers: context.traceHeaders,
      },
    ]);
  });
}

export function createPostCountsReader(client: cassandra.Client): LiveDeps['postCounts'] {
  return async (postId) => {
    const row = (
      await client.execute('SELECT love_count, comment_count, latest_comment_id FROM posts WHERE id = ?', [postId])
    ).first();
    if (!row) return undefined;
    return {
      loveCount: (row.get('love_count') as bigint | null) ?? 0n,
      commentCount: (row.get('comment_count') as bigint | null) ?? 0n,
      latestCommentId: (row.get('latest_comment_id') as string | null) ?? '',
    };
  };
}
