import { canSee, connectionLevels, type ConnectionLevel } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { demoPhases } from './commands.ts';
import { pickPersonas } from './demoUsers.ts';
import { defaultSize, generateNetwork, HISTORY_DAYS, postKinds, type DemoNetwork } from './network.ts';

const now = new Date('2026-12-05T05:00:00.000Z');
// Generated once: the full-size network is what `npm run demo` loads.
const network = generateNetwork('spec', now);

/** Followers of each member (readers have none), most first. */
const followerCounts = (n: DemoNetwork) => {
  const counts = new Map(n.users.slice(0, n.members).map((u) => [u.id, 0]));
  for (const f of n.follows) counts.set(f.followeeId, counts.get(f.followeeId)! + 1);
  return [...counts.values()].sort((a, b) => b - a);
};

describe('the demo network', () => {
  it('is the same for the same seed and clock, and another for another seed', () => {
    expect(generateNetwork('spec', now)).toEqual(network);
    const other = generateNetwork('other', now);
    expect(other.users.map((u) => u.id)).not.toEqual(network.users.map((u) => u.id));
    expect(other.follows.length).not.toBe(network.follows.length);
    // Two full networks: generous on a busy machine.
  }, 30_000);

  it('has the size asked for, and every id once', () => {
    expect(network.users).toHaveLength(defaultSize.users + defaultSize.readers);
    expect(network.members).toBe(defaultSize.users);
    expect(network.posts).toHaveLength(defaultSize.posts);
    for (const ids of [
      network.users.map((u) => u.id),
      network.posts.map((p) => p.id),
      network.users.map((u) => u.username),
    ]) {
      expect(new Set(ids).size).toBe(ids.length);
    }
    const follows = network.follows.map((f) => `${f.followerId}>${f.followeeId}`);
    expect(new Set(follows).size).toBe(follows.length);
    expect(network.follows.every((f) => f.followerId !== f.followeeId)).toBe(true);
  });

  it('gives people names, bios and avatars, within the writers’ limits', () => {
    for (const user of network.users) {
      expect(user.username).toMatch(/^[a-z0-9][a-z0-9_.]{1,28}[a-z0-9]$/);
      expect(user.displayName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(user.bio.length).toBeGreaterThan(10);
      expect(user.avatarUrl).toBe(`https://avatars.verograph.example/${user.id}.png`);
    }
  });

  it('has heavy-tailed follows: a few authors with thousands of followers, most with tens', () => {
    const counts = followerCounts(network);
    const median = counts[Math.floor(counts.length / 2)]!;
    expect(counts[0]).toBeGreaterThan(2_000);
    expect(counts.slice(0, 2).every((n) => n > 1_000)).toBe(true);
    expect(counts.slice(0, 5).every((n) => n > 10 * median)).toBe(true);
    expect(median).toBeGreaterThanOrEqual(10);
    expect(median).toBeLessThan(100);
  });

  it('has connections at every level, re-filed ones, and pending requests', () => {
    const accepted = network.connections.filter((c) => c.accepted);
    const pending = network.connections.filter((c) => !c.accepted);
    expect(accepted.length).toBeGreaterThan(network.connections.length * 0.7);
    expect(pending.length).toBeGreaterThan(network.connections.length * 0.05);
    const levels = new Set<ConnectionLevel>(accepted.flatMap((c) => [c.requestedLevel, c.accepted!.acceptedLevel]));
    expect([...levels].sort()).toEqual([...connectionLevels].sort());
    expect(accepted.some((c) => c.accepted!.requesterRefiled)).toBe(true);
    expect(accepted.some((c) => c.accepted!.addresseeRefiled)).toBe(true);
  });

  it('has posts of every kind and audience over the last 30 days, with captions, tags and URLs', () => {
    expect(new Set(network.posts.map((p) => p.kind))).toEqual(new Set(postKinds));
    expect(new Set(network.posts.map((p) => p.audience)).size).toBe(4);
    const oldest = now.getTime() - HISTORY_DAYS * 86_400_000;
    for (const post of network.posts) {
      expect(post.createdAt.getTime()).toBeLessThan(now.getTime());
      expect(post.createdAt.getTime()).toBeGreaterThanOrEqual(oldest);
      expect(post.caption).not.toBe('');
      if (post.kind === 'TEXT') expect(post.url).toBe('');
      else expect(post.url).toMatch(/^https:\/\/[a-z]+\.verograph\.example\//);
    }
    const days = new Set(network.posts.map((p) => Math.floor((now.getTime() - p.createdAt.getTime()) / 86_400_000)));
    expect(days.size).toBe(HISTORY_DAYS);
    expect(network.posts.filter((p) => p.tags.length > 0).length).toBeGreaterThan(network.posts.length / 2);
  });

  it('has loves, comments and collected posts only from people who may see the post', () => {
    expect(network.loves.length).toBeGreaterThan(network.posts.length);
    expect(network.comments.length).toBeGreaterThan(network.posts.length / 2);
    expect(network.collections.length).toBeGreaterThan(50);
    const posts = new Map(network.posts.map((p) => [p.id, p]));
    const follows = new Set(network.follows.map((f) => `${f.followerId}>${f.followeeId}`));
    const level = new Map<string, ConnectionLevel>();
    for (const c of network.connections) {
      if (!c.accepted) continue;
      level.set(`${c.requesterId}>${c.addresseeId}`, c.accepted.requesterRefiled ?? c.requestedLevel);
      level.set(`${c.addresseeId}>${c.requesterId}`, c.accepted.addresseeRefiled ?? c.accepted.acceptedLevel);
    }
    const visible = (viewerId: string, postId: string) => {
      const post = posts.get(postId)!;
      const relation = {
        level: level.get(`${post.authorId}>${viewerId}`),
        follows: follows.has(`${viewerId}>${post.authorId}`),
      };
      return canSee(viewerId, post, relation);
    };
    expect(network.loves.every((l) => visible(l.userId, l.postId))).toBe(true);
    expect(network.comments.every((c) => visible(c.authorId, c.postId))).toBe(true);
    expect(network.collections.every((c) => c.postIds.every((postId) => visible(c.ownerId, postId)))).toBe(true);
  });
});

describe('the demo commands', () => {
  const small = generateNetwork('spec-small', now, { ...defaultSize, users: 50, readers: 30, posts: 200 });

  it('have ids derived from the seed and the item: a second run sends the same commands', () => {
    const ids = (n: DemoNetwork) => demoPhases(n, now).flatMap((p) => p.commands.map((c) => c.commandId));
    const first = ids(small);
    expect(ids(generateNetwork('spec-small', now, { ...defaultSize, users: 50, readers: 30, posts: 200 }))).toEqual(
      first,
    );
    expect(new Set(first).size).toBe(first.length);
  });

  it('come in phases, one command per item, keyed by aggregate', () => {
    const phases = demoPhases(small, now);
    expect(phases.map((p) => p.name)).toEqual([
      'profiles',
      'follows and connections',
      'posts, loves and comments',
      'collections',
    ]);
    expect(phases[0]!.commands).toHaveLength(small.users.length);
    expect(phases[2]!.commands).toHaveLength(small.posts.length + small.loves.length + small.comments.length);
    for (const { record } of phases[2]!.commands) expect(record.topic).toBe('posts.commands');
    const postKeys = new Set(small.posts.map((p) => p.id));
    expect(phases[2]!.commands.every((c) => postKeys.has(c.record.key))).toBe(true);
  });
});

describe('the five demo users', () => {
  it('are five different people, described from the network', () => {
    const personas = pickPersonas(network);
    expect(new Set(personas.map((p) => p.user.id)).size).toBe(5);
    const [author, reader, close, asked, collector] = personas.map((p) => p.description);
    const top = followerCounts(network)[0]!;
    expect(author).toMatch(new RegExp(`^an author with ${top.toLocaleString('en-US')} followers and \\d+ posts$`));
    expect(reader).toMatch(/^a reader who follows \d+ people$/);
    expect(close).toMatch(/^someone with \d+ close friends$/);
    expect(asked).toMatch(/^someone with \d+ connection requests? waiting for an answer$/);
    expect(collector).toMatch(/^a collector who kept \d+ posts in collections$/);
  });
});
