import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ThrottledAction, ThrottleSchema } from '@verograph/contracts/insights/v1/insights';
import { describe, expect, it } from 'vitest';

import type { PostCommand } from '../posts/postModel.ts';
import type { UserCommand } from '../users/userModel.ts';
import { accept, type Decision, type DecisionContext } from '../writer/decision.ts';
import { guardDecide, postThrottledAction, userThrottledAction } from './floodGuard.ts';
import { createThrottleBook, readThrottleRecord, throttleKey } from './throttleBook.ts';

const now = new Date('2026-12-05T08:00:30Z');
const context: DecisionContext = { actorId: 'ann', now };
const later = (ms: number) => new Date(now.getTime() + ms);

const throttle = (userId: string, action: ThrottledAction, until: Date) =>
  toBinary(
    ThrottleSchema,
    create(ThrottleSchema, { userId, action, until: timestampFromDate(until), attempts: 12n, limit: 10n }),
  );

/** A decider that accepts everything: the guard alone decides what is refused. */
const acceptAll = <C>(command: C): Decision<C> => accept(command);

describe('reading insights.throttles', () => {
  it('keys a throttle by the user and action its value names', () => {
    expect(readThrottleRecord('ann:COMMENT', throttle('ann', ThrottledAction.COMMENT, later(1000)))).toEqual({
      kind: 'throttle',
      key: throttleKey('ann', 'COMMENT'),
      untilMs: later(1000).getTime(),
    });
  });

  it('reads an empty value as a tombstone of its key, and skips what cannot be read', () => {
    expect(readThrottleRecord('ann:FOLLOW', null)).toEqual({ kind: 'tombstone', key: 'ann:FOLLOW' });
    expect(readThrottleRecord(undefined, null).kind).toBe('invalid');
    expect(readThrottleRecord('x', new Uint8Array([0xff, 0xff, 0xff])).kind).toBe('invalid');
    expect(readThrottleRecord('ann:X', throttle('ann', ThrottledAction.UNSPECIFIED, later(1000))).kind).toBe('invalid');
  });
});

describe('the throttle book', () => {
  it('throttles until `until`, not after; the latest record per key wins; a tombstone lifts it', () => {
    const book = createThrottleBook();
    book.apply(readThrottleRecord('ann:COMMENT', throttle('ann', ThrottledAction.COMMENT, later(30_000))));
    expect(book.throttledUntil('ann', 'COMMENT', now)).toEqual(later(30_000));
    expect(book.throttledUntil('ann', 'COMMENT', later(30_000))).toBeUndefined();

    book.apply(readThrottleRecord('ann:COMMENT', throttle('ann', ThrottledAction.COMMENT, later(5_000))));
    expect(book.throttledUntil('ann', 'COMMENT', now)).toEqual(later(5_000));
    book.apply(readThrottleRecord('ann:COMMENT', null));
    expect(book.throttledUntil('ann', 'COMMENT', now)).toBeUndefined();
  });

  it('throttles one user for one action only', () => {
    const book = createThrottleBook();
    book.apply(readThrottleRecord('ann:FOLLOW', throttle('ann', ThrottledAction.FOLLOW, later(30_000))));
    expect(book.throttledUntil('ann', 'COMMENT', now)).toBeUndefined();
    expect(book.throttledUntil('bob', 'FOLLOW', now)).toBeUndefined();
    expect(book.throttledUntil('ann', 'FOLLOW', now)).toBeDefined();
  });
});

describe('the flood guard', () => {
  const book = createThrottleBook();
  book.apply(readThrottleRecord('', throttle('ann', ThrottledAction.COMMENT, later(30_000))));
  book.apply(readThrottleRecord('', throttle('ann', ThrottledAction.FOLLOW, later(30_000))));
  book.apply(readThrottleRecord('', throttle('ann', ThrottledAction.CONNECTION_REQUEST, later(30_000))));
  const posts = guardDecide(acceptAll<PostCommand>, book, postThrottledAction);
  const users = guardDecide(acceptAll<UserCommand>, book, userThrottledAction);
  const comment = (authorId: string): PostCommand => ({
    type: 'CommentOnPost',
    postId: 'p',
    commentId: 'c',
    authorId,
    text: 'hi',
  });

  it('given a throttled commenter, when they comment, then RATE_LIMITED says until when', () => {
    const decision = posts(comment('ann'), undefined, context);
    expect(decision).toEqual({
      rejection: { code: 'RATE_LIMITED', message: expect.stringContaining(later(30_000).toISOString()) as string },
    });
  });

  it('given a throttled user, when they follow or request a connection, then RATE_LIMITED', () => {
    expect(users({ type: 'Follow', followerId: 'ann', followeeId: 'bob' }, undefined, context)).toMatchObject({
      rejection: { code: 'RATE_LIMITED' },
    });
    expect(
      users({ type: 'RequestConnection', requesterId: 'ann', addresseeId: 'bob', level: 'FRIEND' }, undefined, context),
    ).toMatchObject({ rejection: { code: 'RATE_LIMITED' } });
  });

  it('leaves everything else to the decider: other users, other commands, and after the throttle', () => {
    expect(posts(comment('bob'), undefined, { ...context, actorId: 'bob' })).toEqual({ events: [comment('bob')] });
    const love: PostCommand = { type: 'LovePost', postId: 'p', userId: 'ann' };
    expect(posts(love, undefined, context)).toEqual({ events: [love] });
    const unfollow: UserCommand = { type: 'Unfollow', followerId: 'ann', followeeId: 'bob' };
    expect(users(unfollow, undefined, context)).toEqual({ events: [unfollow] });
    expect(posts(comment('ann'), undefined, { ...context, now: later(30_000) })).toEqual({ events: [comment('ann')] });
  });

  it('stands aside for a trusted bulk load (the demo network): a seeded burst is not a person flooding', () => {
    expect(posts(comment('ann'), undefined, { ...context, bulkLoad: true })).toEqual({ events: [comment('ann')] });
    const follow: UserCommand = { type: 'Follow', followerId: 'ann', followeeId: 'bob' };
    expect(users(follow, undefined, { ...context, bulkLoad: true })).toEqual({ events: [follow] });
  });
});
