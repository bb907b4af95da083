import type { Audience, ConnectionLevel } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { events } from '../testing/events.ts';
import type { FeedPost, FeedRow, PostState } from './feedPlan.ts';
import {
  connectionCandidates,
  feedWorkFor,
  followerCandidates,
  planReevaluation,
  pulledAtCreation,
  pushRecipients,
  relationOf,
  rowFor,
} from './feedPlan.ts';

const author = 'author';
const at = new Date('2025-01-01T10:00:00Z');
const postWith = (audience: Audience, postId = `p-${audience}`, createdAt = at): PostState => ({
  postId,
  authorId: author,
  audience,
  createdAt,
  deleted: false,
});

/**
 * The author's circle: a close friend, a friend, an acquaintance (none of them following), a
 * friend who also follows, two plain followers, and a pending request (not a connection).
 */
const connections = new Map<string, ConnectionLevel | undefined>([
  ['close', 'CLOSE_FRIEND'],
  ['friend', 'FRIEND'],
  ['acquaintance', 'ACQUAINTANCE'],
  ['friend-follower', 'FRIEND'],
]);
const followers = ['follower-1', 'follower-2', 'friend-follower'];

function recipients(post: FeedPost, pulled = false): string[] {
  const fromFollowers = pushRecipients(post, followerCandidates(followers, connections), pulled);
  const met = new Set(followers.filter((f) => connections.has(f)));
  const fromConnections = pushRecipients(post, connectionCandidates(connections, met), pulled);
  return [...fromFollowers, ...fromConnections].sort();
}

describe('fan-out recipients', () => {
  it.each<[Audience, string[]]>([
    ['CLOSE_FRIENDS', ['close']],
    ['FRIENDS', ['close', 'friend', 'friend-follower']],
    ['ACQUAINTANCES', ['acquaintance', 'close', 'friend', 'friend-follower']],
    ['FOLLOWERS', ['acquaintance', 'close', 'follower-1', 'follower-2', 'friend', 'friend-follower']],
  ])('a %s post reaches exactly %j', (audience, expected) => {
    expect(recipients(postWith(audience))).toEqual(expected);
  });

  it('never pushes to the author, even when the author appears among followers or connections', () => {
    const post = postWith('FOLLOWERS');
    const selfCandidates = followerCandidates([author], new Map([[author, 'CLOSE_FRIEND']]));
    expect(pushRecipients(post, selfCandidates, false)).toEqual([]);
  });

  it('a pulled author pushes only to connections; plain followers pull at read time', () => {
    expect(recipients(postWith('FOLLOWERS'), true)).toEqual(['acquaintance', 'close', 'friend', 'friend-follower']);
    expect(recipients(postWith('FRIENDS'), true)).toEqual(['close', 'friend', 'friend-follower']);
  });

  it('a post belongs to the pull side when it was created once the author was pulled', () => {
    expect(pulledAtCreation(at, undefined)).toBe(false);
    expect(pulledAtCreation(at, new Date(at.getTime() + 1))).toBe(false);
    expect(pulledAtCreation(at, at)).toBe(true);
  });
});

describe('re-evaluation of one viewer for one author', () => {
  const cf = postWith('CLOSE_FRIENDS', 'cf', new Date(at.getTime() + 3000));
  const fr = postWith('FRIENDS', 'fr', new Date(at.getTime() + 2000));
  const fo = postWith('FOLLOWERS', 'fo', new Date(at.getTime() + 1000));
  const recent = [cf, fr, fo];
  const states = new Map(recent.map((p) => [p.postId, p]));
  const rows = (...posts: PostState[]): FeedRow[] => posts.map((p) => rowFor('viewer', p));

  const plan = (level: ConnectionLevel | undefined, follows: boolean, timeline: FeedRow[], pulled = false) =>
    planReevaluation({
      viewerId: 'viewer',
      authorId: author,
      relation: relationOf(level, follows),
      authorPulled: pulled,
      recentPosts: recent,
      timeline,
      postStates: states,
    });
  const ids = (r: readonly FeedRow[]) => r.map((row) => row.postId).sort();

  it('given a friend, when the author files them close friend, then only the close-friends post is added', () => {
    const changes = plan('CLOSE_FRIEND', false, rows(fr, fo));
    expect(ids(changes.add)).toEqual(['cf']);
    expect(changes.remove).toEqual([]);
  });

  it('given a close friend, when demoted to acquaintance, then the close-friends and friends posts are removed', () => {
    const changes = plan('ACQUAINTANCE', false, rows(cf, fr, fo));
    expect(ids(changes.remove)).toEqual(['cf', 'fr']);
    expect(changes.add).toEqual([]);
  });

  it('given a connection who does not follow, when the connection is removed, then everything is removed', () => {
    expect(ids(plan(undefined, false, rows(cf, fr, fo)).remove)).toEqual(['cf', 'fo', 'fr']);
  });

  it('given a connection who also follows, when the connection is removed, then the followers post stays', () => {
    const changes = plan(undefined, true, rows(cf, fr, fo));
    expect(ids(changes.remove)).toEqual(['cf', 'fr']);
    expect(changes.add).toEqual([]);
  });

  it('given a new follower, then the followers posts are added and nothing else', () => {
    expect(ids(plan(undefined, true, []).add)).toEqual(['fo']);
  });

  it('given a new plain follower of a pulled author, then nothing is pushed (they pull)', () => {
    expect(plan(undefined, true, [], true).add).toEqual([]);
  });

  it('removes rows of deleted or vanished posts, and never re-adds a deleted post', () => {
    const deleted = { ...fo, deleted: true };
    const changes = planReevaluation({
      viewerId: 'viewer',
      authorId: author,
      relation: relationOf('CLOSE_FRIEND', true),
      authorPulled: false,
      recentPosts: [cf, deleted],
      timeline: rows(deleted, postWith('FOLLOWERS', 'vanished')),
      postStates: new Map([
        [cf.postId, cf],
        [deleted.postId, deleted],
      ]),
    });
    expect(ids(changes.remove)).toEqual(['fo', 'vanished']);
    expect(ids(changes.add)).toEqual(['cf']);
  });

  it('is idempotent: applying the plan and planning again changes nothing', () => {
    const before = rows(cf, fo);
    const first = plan('FRIEND', true, before);
    const after = [...before.filter((r) => !first.remove.includes(r)), ...first.add];
    const second = plan('FRIEND', true, after);
    expect(second).toEqual({ add: [], remove: [] });
    expect(ids(after)).toEqual(['fo', 'fr']);
  });
});

describe('feed work for each event', () => {
  it('pushes a created post and retracts a deleted one', () => {
    const created = events.postCreated({ postId: 'p1', authorId: author, audience: 'FRIENDS', createdAt: at });
    expect(feedWorkFor(created)).toEqual({
      kind: 'push',
      post: { postId: 'p1', authorId: author, audience: 'FRIENDS', createdAt: at },
    });
    expect(feedWorkFor(events.postDeleted({ postId: 'p1', authorId: author, createdAt: at }))).toEqual({
      kind: 'retract',
      postId: 'p1',
      authorId: author,
      createdAt: at,
    });
  });

  it('re-evaluates the pairs a relation event touches, in the direction that matters', () => {
    expect(feedWorkFor(events.followed('v', 'a'))).toEqual({
      kind: 'reevaluate',
      pairs: [{ viewerId: 'v', authorId: 'a' }],
    });
    expect(feedWorkFor(events.unfollowed('v', 'a'))).toEqual({
      kind: 'reevaluate',
      pairs: [{ viewerId: 'v', authorId: 'a' }],
    });
    // The author files the viewer: only what the viewer sees of the author changes.
    expect(feedWorkFor(events.connectionLevelSet('a', 'v', 'FRIEND'))).toEqual({
      kind: 'reevaluate',
      pairs: [{ viewerId: 'v', authorId: 'a' }],
    });
    const both = [
      { viewerId: 'b', authorId: 'a' },
      { viewerId: 'a', authorId: 'b' },
    ];
    expect(feedWorkFor(events.connectionAccepted('a', 'b', 'FRIEND', 'CLOSE_FRIEND'))).toEqual({
      kind: 'reevaluate',
      pairs: both,
    });
    expect(feedWorkFor(events.connectionRemoved('a', 'b'))).toEqual({ kind: 'reevaluate', pairs: both });
  });

  it('ignores what does not change a timeline', () => {
    expect(feedWorkFor(events.connectionRequested('a', 'b', 'FRIEND'))).toEqual({ kind: 'none' });
    expect(feedWorkFor(events.connectionDeclined('b', 'a'))).toEqual({ kind: 'none' });
    expect(feedWorkFor(events.connectionRequestCancelled('a', 'b'))).toEqual({ kind: 'none' });
    expect(feedWorkFor(events.profileCreated('a', 'alice'))).toEqual({ kind: 'none' });
    expect(feedWorkFor(events.postLoved('p', 'a', 3))).toEqual({ kind: 'none' });
  });

  it('rejects a post without an audience as an invalid event', () => {
    const broken = events.postCreated({ postId: 'p', authorId: author, audience: 'FOLLOWERS', createdAt: at });
    if (broken.stream === 'posts' && broken.event.event.case === 'postCreated') broken.event.event.value.audience = 0;
    expect(() => feedWorkFor(broken)).toThrow(/has no audience/);
  });
});
