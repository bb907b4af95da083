import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EngagementUpdateSchema, type EngagementUpdate } from '@verograph/contracts/live/v1/updates';

import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { eventId, occurredAt, required } from '../events/projectedEvent.ts';

/** What an engagement event states, and which count it leaves for the post's row to tell. */
export type EngagementFact =
  | { readonly postId: string; readonly loveCount: bigint; readonly missing: 'comments' }
  | {
      readonly postId: string;
      readonly commentCount: bigint;
      readonly latestCommentId: string;
      readonly missing: 'loves';
    };

/** The engagement an event reports, if it is a love, an unlove or a comment. */
export function engagementFactOf(projected: ProjectedEvent): EngagementFact | undefined {
  if (projected.stream !== 'posts') return undefined;
  const body = projected.event.event;
  switch (body.case) {
    case 'postLoved':
    case 'postUnloved':
      return {
        postId: required(body.value.postId, `${body.case}.post_id`),
        loveCount: body.value.loveCount,
        missing: 'comments',
      };
    case 'commentAdded':
      return {
        postId: required(body.value.postId, 'CommentAdded.post_id'),
        commentCount: body.value.commentCount,
        latestCommentId: required(body.value.commentId, 'CommentAdded.comment_id'),
        missing: 'loves',
      };
    default:
      return undefined;
  }
}

/** The post's current counts in the system of record, for the count the event does not carry. */
export interface PostCounts {
  readonly loveCount: bigint;
  readonly commentCount: bigint;
  readonly latestCommentId: string;
}

/**
 * The live update for an engagement event: the event's own absolute count, and the other
 * count as the post's row holds it now (a love event does not carry the comment count).
 */
export function engagementUpdateFor(
  projected: ProjectedEvent,
  fact: EngagementFact,
  current: PostCounts | undefined,
): EngagementUpdate {
  const counts =
    fact.missing === 'comments'
      ? {
          loveCount: fact.loveCount,
          commentCount: current?.commentCount ?? 0n,
          latestCommentId: current?.latestCommentId ?? '',
        }
      : {
          loveCount: current?.loveCount ?? 0n,
          commentCount: fact.commentCount,
          latestCommentId: fact.latestCommentId,
        };
  return create(EngagementUpdateSchema, {
    postId: fact.postId,
    ...counts,
    occurredAt: timestampFromDate(occurredAt(projected)),
    eventId: eventId(projected),
  });
}
