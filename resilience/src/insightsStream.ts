import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema } from '@verograph/contracts/common/v1/envelope';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience } from '@verograph/contracts/posts/v1/posts';
import { UserEventSchema } from '@verograph/contracts/users/v1/events';

/**
 * A deterministic stream of posts and users events for the insights job, with the results it
 * must give computed here, independently of Flink: plain counting over the same events, by the
 * window rules of insights/README.md. Event time is synthetic (from BASE on), so windows close
 * by event time, not by waiting.
 */

export const BASE = Date.UTC(2026, 0, 1);
const STEP_MS = 20_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The job's defaults (INSIGHTS_TRENDING_MIN_AUTHORS, INSIGHTS_FLOOD_COMMENTS_PER_MINUTE). */
const MIN_AUTHORS = 5;
const COMMENT_LIMIT = 20;

export interface StreamRecord {
  readonly topic: 'posts.events' | 'users.events';
  readonly key: string;
  readonly value: Uint8Array;
}

interface Post {
  id: string;
  author: string;
  tags: string[];
  followers: boolean;
  t: number;
}

/** Keyed results as a read-committed consumer keeps them: the latest value per key and window. */
export type Results = Map<string, string>;

export interface InsightsStream {
  /** The events, in event-time order; the test publishes them in `steps` slices. */
  readonly steps: readonly (readonly StreamRecord[])[];
  /** One event per partition of each topic, far later in event time: it closes every window above. */
  flush(partitions: number): StreamRecord[];
  readonly expected: {
    trending: Results;
    engagement: Results;
    followers: Results;
    throttles: Results;
  };
}

let sequence = 0;
function envelope(aggregateId: string, t: number) {
  sequence += 1;
  return create(EnvelopeSchema, {
    messageId: `ie-msg-${sequence}`,
    commandId: `ie-cmd-${sequence}`,
    aggregateId,
    occurredAt: timestampFromDate(new Date(t)),
    actorId: aggregateId,
  });
}

const postRecord = (key: string, t: number, event: Parameters<typeof create<typeof PostEventSchema>>[1]) => ({
  topic: 'posts.events' as const,
  key,
  value: toBinary(PostEventSchema, create(PostEventSchema, { ...event, envelope: envelope(key, t) })),
});
const userRecord = (key: string, t: number, event: Parameters<typeof create<typeof UserEventSchema>>[1]) => ({
  topic: 'users.events' as const,
  key,
  value: toBinary(UserEventSchema, create(UserEventSchema, { ...event, envelope: envelope(key, t) })),
});

export const trendingKey = (window: 'HOUR' | 'DAY', tag: string, start: number, end: number) =>
  `${window}:${tag}@${start}-${end}`;
export const bucketKey = (id: string, start: number, end: number) => `${id}@${start}-${end}`;

/**
 * `count` steps of 20 s event time each. Every step: a post (8 authors; "ie-wide" is used by all
 * of them, "ie-narrow" by 4 only, so it never trends; every fourth post has the FRIENDS audience
 * and does not count), a love and a comment on an earlier post, and a follow (every third step an
 * unfollow). Steps `floods` also carry 9 comments by one user each: 27 in their minute, over 20.
 */
export function insightsStream(count: number, floods: readonly number[]): InsightsStream {
  sequence = 0;
  const posts: Post[] = [];
  const loves: Array<{ post: string; t: number }> = [];
  const comments: Array<{ post: string; author: string; t: number }> = [];
  const follows: Array<{ followee: string; gained: boolean; t: number }> = [];
  const steps: StreamRecord[][] = [];

  for (let i = 0; i < count; i++) {
    const t = BASE + i * STEP_MS;
    const step: StreamRecord[] = [];
    const author = `ie-author-${i % 8}`;
    const tags = i % 8 < 4 ? ['ie-wide', 'ie-narrow'] : ['ie-wide'];
    const post: Post = { id: `ie-post-${i}`, author, tags, followers: i % 4 !== 3, t };
    posts.push(post);
    step.push(
      postRecord(post.id, t, {
        event: {
          case: 'postCreated',
          value: {
            postId: post.id,
            authorId: author,
            audience: post.followers ? Audience.FOLLOWERS : Audience.FRIENDS,
            tags,
            caption: `post ${i}`,
          },
        },
      }),
    );
    if (i >= 3) {
      const target = posts[i - 3]!.id;
      loves.push({ post: target, t });
      step.push(
        postRecord(target, t, { event: { case: 'postLoved', value: { postId: target, userId: `ie-fan-${i}` } } }),
      );
      const commenter = `ie-commenter-${i % 3}`;
      const comment = (by: string, n: number) => {
        comments.push({ post: target, author: by, t });
        return postRecord(target, t, {
          event: {
            case: 'commentAdded',
            value: { postId: target, commentId: `ie-comment-${i}-${n}`, authorId: by, text: 'hi' },
          },
        });
      };
      step.push(comment(commenter, 0));
      if (floods.some((f) => i >= f && i < f + 3)) for (let n = 1; n <= 9; n++) step.push(comment('ie-flooder', n));
    }
    const followee = `ie-star-${i % 5}`;
    const gained = i % 3 !== 2;
    follows.push({ followee, gained, t });
    const follower = `ie-follower-${i}`;
    step.push(
      userRecord(follower, t, {
        event: gained
          ? { case: 'followed', value: { followerId: follower, followeeId: followee } }
          : { case: 'unfollowed', value: { followerId: follower, followeeId: followee } },
      }),
    );
    steps.push(step);
  }

  const last = BASE + count * STEP_MS;
  const flush = (partitions: number): StreamRecord[] => {
    const t = last + 3 * DAY;
    const records: StreamRecord[] = [];
    for (let p = 0; p < partitions; p++) {
      const id = `ie-flush-${p}`;
      records.push(
        postRecord(id, t, {
          event: { case: 'postCreated', value: { postId: id, authorId: id, audience: Audience.FRIENDS, tags: [] } },
        }),
        userRecord(id, t, {
          event: { case: 'profileCreated', value: { userId: id, profile: { username: id, displayName: id } } },
        }),
      );
    }
    return records;
  };

  return { steps, flush, expected: expect({ posts, loves, comments, follows }) };
}

/** The results, counted by hand: every window that holds events and closes before the flush. */
function expect(input: {
  posts: Post[];
  loves: Array<{ post: string; t: number }>;
  comments: Array<{ post: string; author: string; t: number }>;
  follows: Array<{ followee: string; gained: boolean; t: number }>;
}) {
  const trending: Results = new Map();
  const counted = input.posts.filter((p) => p.followers);
  const tags = [...new Set(counted.flatMap((p) => p.tags))];
  const hop = (window: 'HOUR' | 'DAY', size: number, slide: number) => {
    const first = Math.floor(counted[0]!.t / slide) * slide + slide;
    const lastEnd = Math.floor(counted.at(-1)!.t / slide) * slide + size;
    for (let end = first; end <= lastEnd; end += slide) {
      for (const tag of tags) {
        const inWindow = counted.filter((p) => p.tags.includes(tag) && p.t >= end - size && p.t < end);
        const authors = new Set(inWindow.map((p) => p.author)).size;
        if (authors >= MIN_AUTHORS)
          trending.set(trendingKey(window, tag, end - size, end), `uses=${inWindow.length} authors=${authors}`);
      }
    }
  };
  hop('HOUR', HOUR, MINUTE);
  hop('DAY', DAY, HOUR);

  const authorOf = new Map(input.posts.map((p) => [p.id, p.author]));
  const tally = new Map<string, { a: number; b: number; id: string }>();
  const bump = (key: string, id: string, a: number, b: number) => {
    const entry = tally.get(key) ?? { a: 0, b: 0, id };
    entry.a += a;
    entry.b += b;
    tally.set(key, entry);
  };
  const window = (t: number, size: number) => Math.floor(t / size) * size;
  for (const l of input.loves)
    bump(bucketKey(l.post, window(l.t, 5 * MINUTE), window(l.t, 5 * MINUTE) + 5 * MINUTE), l.post, 1, 0);
  for (const c of input.comments)
    bump(bucketKey(c.post, window(c.t, 5 * MINUTE), window(c.t, 5 * MINUTE) + 5 * MINUTE), c.post, 0, 1);
  const engagement: Results = new Map(
    [...tally].map(([key, v]) => [key, `author=${authorOf.get(v.id)} loves=${v.a} comments=${v.b}`]),
  );

  tally.clear();
  for (const f of input.follows)
    bump(
      bucketKey(f.followee, window(f.t, HOUR), window(f.t, HOUR) + HOUR),
      f.followee,
      f.gained ? 1 : 0,
      f.gained ? 0 : 1,
    );
  const followers: Results = new Map([...tally].map(([key, v]) => [key, `gained=${v.a} lost=${v.b}`]));

  // The throttle's last record for a minute carries the minute's whole count (its last step).
  tally.clear();
  for (const c of input.comments) bump(`${c.author}:COMMENT@${window(c.t, MINUTE) + MINUTE}`, c.author, 1, 0);
  const throttles: Results = new Map(
    [...tally]
      .filter(([, v]) => v.a > COMMENT_LIMIT)
      .map(([key, v]) => [key, `attempts=${v.a} limit=${COMMENT_LIMIT}`]),
  );
  return { trending, engagement, followers, throttles };
}
