import { createHash } from 'node:crypto';

import { canSee, deterministicId, type Audience, type ConnectionLevel } from '@verograph/domain';

import { seededRandom, weightedPicker, type Random } from './random.ts';
import { bioParts, collectionTitles, comments, firstNames, kindContent, lastNames } from './vocabulary.ts';

export const postKinds = ['PHOTO', 'VIDEO', 'LINK', 'MUSIC', 'MOVIE', 'BOOK', 'PLACE', 'TEXT'] as const;
export type PostKind = (typeof postKinds)[number];

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string;
}

export interface DemoFollow {
  readonly followerId: string;
  readonly followeeId: string;
}

/** A connection request; accepted ones carry the levels each side ends with, and whether each side re-filed the other. */
export interface DemoConnection {
  readonly requesterId: string;
  readonly addresseeId: string;
  /** The level the requester asked with. */
  readonly requestedLevel: ConnectionLevel;
  readonly accepted?: {
    /** The level the addressee accepted with. */
    readonly acceptedLevel: ConnectionLevel;
    /** Set later with setConnectionLevel, when a side changed its mind. */
    readonly requesterRefiled?: ConnectionLevel;
    readonly addresseeRefiled?: ConnectionLevel;
  };
}

export interface DemoPost {
  readonly id: string;
  readonly authorId: string;
  readonly kind: PostKind;
  readonly audience: Audience;
  readonly caption: string;
  readonly url: string;
  readonly tags: readonly string[];
  readonly createdAt: Date;
}

export interface DemoLove {
  readonly postId: string;
  readonly userId: string;
}

export interface DemoComment {
  readonly id: string;
  readonly postId: string;
  readonly authorId: string;
  readonly text: string;
}

export interface DemoCollection {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly description: string;
  readonly postIds: readonly string[];
}

export interface DemoNetwork {
  readonly seed: string;
  /** Everyone: the first `members` post, connect, love, comment and collect; the rest only read. */
  readonly users: readonly DemoUser[];
  readonly members: number;
  readonly follows: readonly DemoFollow[];
  readonly connections: readonly DemoConnection[];
  readonly posts: readonly DemoPost[];
  readonly loves: readonly DemoLove[];
  readonly comments: readonly DemoComment[];
  readonly collections: readonly DemoCollection[];
}

export interface NetworkSize {
  /** People who post, connect, love, comment and collect. */
  readonly users: number;
  /**
   * Quiet accounts who only read: each follows a few of the most followed authors, which is
   * what gives those authors thousands of followers (as on any social network, most accounts
   * mostly read).
   */
  readonly readers: number;
  /** Median of how many authors a reader follows. */
  readonly readerFollowingMedian: number;
  readonly posts: number;
  /** Median of how many people a user follows (log-normal, so some follow hundreds). */
  readonly followingMedian: number;
  /** Mean connections per user. */
  readonly connectionsMean: number;
  readonly lovesPerPost: number;
  readonly commentsPerPost: number;
}

/** The network `npm run demo` loads: about 1,000 people and 10,000 posts. */
export const defaultSize: NetworkSize = {
  users: 1000,
  readers: 3000,
  readerFollowingMedian: 5,
  posts: 10_000,
  followingMedian: 25,
  connectionsMean: 6,
  lovesPerPost: 3,
  commentsPerPost: 0.8,
};

const DAY_MS = 86_400_000;
/** How far back posts go. */
export const HISTORY_DAYS = 30;
const levelWeights: readonly [ConnectionLevel, number][] = [
  ['CLOSE_FRIEND', 0.2],
  ['FRIEND', 0.4],
  ['ACQUAINTANCE', 0.4],
];
const audienceWeights: readonly [Audience, number][] = [
  ['FOLLOWERS', 0.55],
  ['ACQUAINTANCES', 0.15],
  ['FRIENDS', 0.15],
  ['CLOSE_FRIENDS', 0.15],
];

function byWeight<T>(random: Random, choices: readonly [T, number][]): T {
  let target = random.next();
  for (const [choice, weight] of choices) if ((target -= weight) < 0) return choice;
  return choices[choices.length - 1]![0];
}

/** Ids derived from the seed: a second run names the same users, posts and comments. */
export const demoId = (seed: string, ...parts: readonly (string | number)[]) =>
  deterministicId('verograph-demo', seed, ...parts.map(String));

/** Four hex characters of the seed, so the usernames of two seeds never collide. */
export const seedTag = (seed: string) => createHash('sha256').update(seed).digest('hex').slice(0, 4);

/**
 * A realistic network, pure and deterministic: the same seed, size and `now` give the same
 * network. Popularity is Zipf-like (a few authors are followed by most people, most by tens),
 * and every love, comment and collected post is one its user may see under the audience rule.
 */
export function generateNetwork(seed: string, now: Date, size: NetworkSize = defaultSize): DemoNetwork {
  const random = seededRandom(seed);
  const tag = seedTag(seed);
  // Members first, then readers: a member's index is the same whatever the number of readers.
  const users = Array.from({ length: size.users + size.readers }, (_, i): DemoUser => {
    const first = random.pick(firstNames);
    const last = random.pick(lastNames);
    const id = demoId(seed, 'user', i);
    return {
      id,
      username: `${first}_${last}${i}_${tag}`,
      displayName: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
      bio: `${random.pick(bioParts.who)} ${random.pick(bioParts.where)}. ${random.pick(bioParts.likes)}`,
      avatarUrl: `https://avatars.verograph.example/${id}.png`,
    };
  });
  const ids = users.slice(0, size.users).map((u) => u.id);
  const readerIds = users.slice(size.users).map((u) => u.id);

  // Popularity: the user at rank r (a shuffled order) weighs 1/r, plus a floor so the long tail
  // still gets followers.
  const rankOf = random.shuffled(ids.map((_, i) => i));
  const popularity = ids.map((_, i) => 1 / (rankOf[i]! + 1) + 0.004);
  const pickFollowee = weightedPicker(popularity);
  const followersOf = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  const follows: DemoFollow[] = [];
  const follow = (followerId: string, chosen: Iterable<number>) => {
    for (const j of chosen) {
      follows.push({ followerId, followeeId: ids[j]! });
      followersOf.get(ids[j]!)!.add(followerId);
    }
  };
  const choose = (wanted: number, pick: (r: Random) => number, except?: number) => {
    const chosen = new Set<number>();
    for (let attempts = 0; chosen.size < wanted && attempts < wanted * 20; attempts++) {
      const j = pick(random);
      if (j !== except) chosen.add(j);
    }
    return chosen;
  };
  for (const [i, followerId] of ids.entries()) {
    const wanted = Math.min(ids.length - 1, Math.max(3, Math.round(random.logNormal(size.followingMedian, 0.8))));
    follow(followerId, choose(wanted, pickFollowee, i));
  }
  // Readers follow the head of the same ranking, with no floor: the few most followed authors
  // reach thousands of followers while the long tail keeps its tens.
  const pickHead = weightedPicker(ids.map((_, i) => 1 / (rankOf[i]! + 1) ** 1.1));
  for (const readerId of readerIds) {
    const wanted = Math.min(ids.length, Math.max(1, Math.round(random.logNormal(size.readerFollowingMedian, 0.6))));
    follow(readerId, choose(wanted, pickHead));
  }

  // Connections: random pairs; most accepted (a share re-filed afterwards), some left pending.
  const levelOf = new Map<string, Map<string, ConnectionLevel>>(ids.map((id) => [id, new Map()]));
  const paired = new Set<string>();
  const connections: DemoConnection[] = [];
  const pairCount = Math.round((ids.length * size.connectionsMean) / 2);
  for (let attempts = 0; connections.length < pairCount && attempts < pairCount * 10; attempts++) {
    const a = random.int(0, ids.length - 1);
    const b = random.int(0, ids.length - 1);
    const key = a < b ? `${a}~${b}` : `${b}~${a}`;
    if (a === b || paired.has(key)) continue;
    paired.add(key);
    const requesterId = ids[a]!;
    const addresseeId = ids[b]!;
    const requestedLevel = byWeight(random, levelWeights);
    if (random.chance(0.12)) {
      connections.push({ requesterId, addresseeId, requestedLevel });
      continue;
    }
    const acceptedLevel = byWeight(random, levelWeights);
    const requesterRefiled = random.chance(0.2) ? byWeight(random, levelWeights) : undefined;
    const addresseeRefiled = random.chance(0.2) ? byWeight(random, levelWeights) : undefined;
    connections.push({
      requesterId,
      addresseeId,
      requestedLevel,
      accepted: {
        acceptedLevel,
        ...(requesterRefiled ? { requesterRefiled } : {}),
        ...(addresseeRefiled ? { addresseeRefiled } : {}),
      },
    });
    levelOf.get(requesterId)!.set(addresseeId, requesterRefiled ?? requestedLevel);
    levelOf.get(addresseeId)!.set(requesterId, addresseeRefiled ?? acceptedLevel);
  }

  // Posts: some people post much more than others; times spread over the last 30 days.
  const activity = ids.map(() => random.logNormal(1, 1));
  const pickAuthor = weightedPicker(activity);
  const start = now.getTime() - HISTORY_DAYS * DAY_MS;
  const posts = Array.from({ length: size.posts }, (_, i): DemoPost => {
    const authorId = ids[pickAuthor(random)]!;
    const kind = random.pick(postKinds);
    const content = kindContent[kind];
    const id = demoId(seed, 'post', i);
    const tagCount = random.int(0, 3);
    return {
      id,
      authorId,
      kind,
      audience: byWeight(random, audienceWeights),
      caption: random.pick(content.captions),
      url: content.url ? content.url(id.slice(0, 8)) : '',
      tags: random.shuffled(content.tags).slice(0, tagCount),
      // Whole seconds, before `now`: the writer refuses a creation time in the future.
      createdAt: new Date(Math.floor((start + random.next() * (HISTORY_DAYS * DAY_MS - 1000)) / 1000) * 1000),
    };
  });

  // Loves and comments, from people who may see the post.
  const loves: DemoLove[] = [];
  const postComments: DemoComment[] = [];
  const lovedBy = new Map<string, string[]>();
  for (const post of posts) {
    const filed = levelOf.get(post.authorId)!;
    const followers = followersOf.get(post.authorId)!;
    const audience = [...new Set([...followers, ...filed.keys()])].filter((viewerId) =>
      canSee(viewerId, post, { level: filed.get(viewerId), follows: followers.has(viewerId) }),
    );
    if (audience.length === 0) continue;
    const loveCount = Math.min(audience.length, Math.round(random.logNormal(size.lovesPerPost * 0.7, 0.9)));
    for (const userId of random.shuffled(audience).slice(0, loveCount)) {
      loves.push({ postId: post.id, userId });
      const loved = lovedBy.get(userId);
      if (loved) loved.push(post.id);
      else lovedBy.set(userId, [post.id]);
    }
    const commentCount = Math.min(audience.length, Math.floor(random.next() * size.commentsPerPost * 2 + 0.5));
    for (let c = 0; c < commentCount; c++) {
      postComments.push({
        id: demoId(seed, 'comment', post.id, c),
        postId: post.id,
        authorId: random.pick(audience),
        text: random.pick(comments),
      });
    }
  }

  // Collections: a quarter of the people who loved a few posts keep some of them.
  const collections: DemoCollection[] = [];
  for (const ownerId of ids) {
    const loved = lovedBy.get(ownerId) ?? [];
    if (loved.length < 3 || !random.chance(0.25)) continue;
    const title = random.pick(collectionTitles);
    collections.push({
      id: demoId(seed, 'collection', ownerId),
      ownerId,
      title,
      description: `${title}, kept by hand.`,
      postIds: random.shuffled(loved).slice(0, random.int(3, Math.min(12, loved.length))),
    });
  }

  return { seed, users, members: size.users, follows, connections, posts, loves, comments: postComments, collections };
}
