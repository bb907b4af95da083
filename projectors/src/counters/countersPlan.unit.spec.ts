import { describe, expect, it } from 'vitest';

import { events } from '../testing/events.ts';
import { usersToRecount } from './countersPlan.ts';

describe('users to recount', () => {
  it('recounts both sides of a follow, an unfollow, an accepted or removed connection', () => {
    expect(usersToRecount(events.followed('f', 'e'))).toEqual(['f', 'e']);
    expect(usersToRecount(events.unfollowed('f', 'e'))).toEqual(['f', 'e']);
    expect(usersToRecount(events.connectionAccepted('r', 'a', 'FRIEND', 'FRIEND'))).toEqual(['r', 'a']);
    expect(usersToRecount(events.connectionRemoved('u', 'o'))).toEqual(['u', 'o']);
  });

  it('gives a new profile its zero counts', () => {
    expect(usersToRecount(events.profileCreated('u', 'u'))).toEqual(['u']);
  });

  it('ignores what changes no count: pending, declined or withdrawn requests, levels, profile edits, posts', () => {
    expect(usersToRecount(events.connectionRequested('r', 'a', 'FRIEND'))).toEqual([]);
    expect(usersToRecount(events.connectionDeclined('a', 'r'))).toEqual([]);
    expect(usersToRecount(events.connectionRequestCancelled('r', 'a'))).toEqual([]);
    expect(usersToRecount(events.connectionLevelSet('u', 'o', 'CLOSE_FRIEND'))).toEqual([]);
    expect(usersToRecount(events.profileUpdated('u', 'u', 'U'))).toEqual([]);
    expect(usersToRecount(events.postLoved('p', 'u', 1))).toEqual([]);
  });
});
