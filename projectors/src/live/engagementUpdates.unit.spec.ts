import { describe, expect, it } from 'vitest';

import { eventId } from '../events/projectedEvent.ts';
import { events } from '../testing/events.ts';
import { engagementFactOf, engagementUpdateFor } from './engagementUpdates.ts';

const current = { loveCount: 7n, commentCount: 4n, latestCommentId: 'c-old' };

describe('engagement updates', () => {
  it('a love carries its absolute love count, and the comment count the post holds', () => {
    const loved = events.postLoved('p', 'u', 8);
    const update = engagementUpdateFor(loved, engagementFactOf(loved)!, current);
    expect(update).toMatchObject({ postId: 'p', loveCount: 8n, commentCount: 4n, latestCommentId: 'c-old' });
    expect(update.eventId).toBe(eventId(loved));
  });

  it('an unlove lowers the love count to the absolute value of the event', () => {
    const unloved = events.postUnloved('p', 'u', 6);
    expect(engagementUpdateFor(unloved, engagementFactOf(unloved)!, current)).toMatchObject({
      loveCount: 6n,
      commentCount: 4n,
    });
  });

  it('a comment carries its absolute comment count and id, and the love count the post holds', () => {
    const comment = events.commentAdded('p', 'c-new', 'u', 5);
    expect(engagementUpdateFor(comment, engagementFactOf(comment)!, current)).toMatchObject({
      loveCount: 7n,
      commentCount: 5n,
      latestCommentId: 'c-new',
    });
  });

  it('says nothing about other events', () => {
    expect(engagementFactOf(events.postDeleted({ postId: 'p', authorId: 'a', createdAt: new Date() }))).toBeUndefined();
    expect(engagementFactOf(events.followed('a', 'b'))).toBeUndefined();
  });
});
