import { describe, expect, it } from 'vitest';

import { isRejection } from '../writer/decision.ts';
import { decidePost } from './decidePost.ts';
import { evolvePostState } from './evolvePost.ts';
import type { PostCommand, PostEvent, PostRecord, PostState } from './postModel.ts';

const now = new Date('2026-03-01T10:00:00.000Z');
const postId = '0b7e7a2e-9d1f-4c8a-8f00-1c2d3e4f5a6b';
const commentId = '1c8f8b3f-0e2a-4d9b-9a11-2d3e4f5a6b7c';
const post: PostRecord = { authorId: 'alice', createdAt: now, deleted: false, loveCount: 1, commentCount: 0 };

/** The rows the store would read back: a post, who loves it, which comment ids exist. */
interface Rows {
  post: PostRecord | undefined;
  lovers: Set<string>;
  comments: Set<string>;
}
const read = (rows: Rows, command: PostCommand): PostState => ({
  post: rows.post,
  loved: 'userId' in command ? rows.lovers.has(command.userId) : undefined,
  commentExists: command.type === 'CommentOnPost' ? rows.comments.has(command.commentId) : undefined,
});
const write = (rows: Rows, event: PostEvent) => {
  if (event.type === 'PostLoved') rows.lovers.add(event.userId);
  if (event.type === 'PostUnloved') rows.lovers.delete(event.userId);
  if (event.type === 'CommentAdded') rows.comments.add(event.commentId);
  if (event.type === 'PostLoved' || event.type === 'PostUnloved')
    rows.post = { ...rows.post!, loveCount: event.loveCount };
  if (event.type === 'CommentAdded') rows.post = { ...rows.post!, commentCount: event.commentCount };
};

const lane: PostCommand[] = [
  { type: 'LovePost', postId, userId: 'bob' },
  { type: 'LovePost', postId, userId: 'carol' },
  { type: 'LovePost', postId, userId: 'bob' },
  { type: 'CommentOnPost', postId, commentId, authorId: 'bob', text: 'nice' },
  { type: 'UnlovePost', postId, userId: 'bob' },
  { type: 'CommentOnPost', postId, commentId, authorId: 'carol', text: 'same id' },
  { type: 'LovePost', postId, userId: 'bob' },
  { type: 'UnlovePost', postId, userId: 'dave' },
];
const decide = (command: PostCommand, state: PostState) =>
  decidePost(command, state, {
    actorId: 'userId' in command ? command.userId : command.type === 'CommentOnPost' ? command.authorId : 'alice',
    now,
  });

describe('evolvePostState', () => {
  it('decides a lane in memory as it would be decided against the rows, one command at a time', () => {
    const start = (): Rows => ({ post, lovers: new Set(['erin']), comments: new Set() });

    const rows = start();
    const oneByOne = lane.map((command) => {
      const decision = decide(command, read(rows, command));
      if (!isRejection(decision)) decision.events.forEach((e) => write(rows, e));
      return decision;
    });

    // Every state read as the batch starts; each evolved by the lane's earlier events.
    const initial = start();
    const states = lane.map((command) => read(initial, command));
    const earlier: PostEvent[] = [];
    const inMemory = lane.map((command, i) => {
      const state = earlier.reduce((s, e) => evolvePostState(s, command, e), states[i]!);
      const decision = decide(command, state);
      if (!isRejection(decision)) earlier.push(...decision.events);
      return decision;
    });

    expect(inMemory).toEqual(oneByOne);
    expect(oneByOne.map((d) => (isRejection(d) ? d.rejection.code : d.events[0]!.type))).toEqual([
      'PostLoved',
      'PostLoved',
      'ALREADY_LOVED',
      'CommentAdded',
      'PostUnloved',
      'BAD_USER_INPUT',
      'PostLoved',
      'NOT_LOVED',
    ]);
  });

  it('leaves a state that already holds an event as it is: a replayed event changes nothing', () => {
    const command: PostCommand = { type: 'LovePost', postId, userId: 'bob' };
    const loved: PostEvent = { type: 'PostLoved', postId, userId: 'bob', loveCount: 2, lovedAt: now };
    const once = evolvePostState({ post, loved: false }, command, loved);
    expect(evolvePostState(once, command, loved)).toEqual(once);
    expect(once).toEqual({ post: { ...post, loveCount: 2 }, loved: true });
  });
});
