import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema } from '@verograph/contracts/common/v1/envelope';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { UserEventSchema, type UserEvent } from '@verograph/contracts/users/v1/events';

/** One record as the writers publish it: key = aggregate id, value = the event's bytes. */
export interface EventRecord {
  readonly stream: 'posts' | 'users';
  readonly key: string;
  readonly value: Buffer;
  readonly occurredAt: number;
}

export interface SimulatedHour {
  /** Event time of the first event (ms); the hour runs from here. */
  readonly start: number;
  readonly events: number;
  /** Distinct tags and authors: a tag trends in a window once 5 distinct authors used it. */
  readonly tags: number;
  readonly authors: number;
  readonly run: string;
}

/**
 * The mix the job counts, spread evenly over one hour of event time in order: 10% posts (for
 * FOLLOWERS, two tags each), 55% loves and 20% comments on earlier posts, 15% follows. Ids are
 * deterministic per run, so the same options give the same records.
 */
export function* simulatedHour(hour: SimulatedHour): Generator<EventRecord> {
  const posts: string[] = [];
  const step = 3_600_000 / hour.events;
  for (let i = 0; i < hour.events; i++) {
    const at = Math.floor(hour.start + i * step);
    const author = `${hour.run}-u${(i * 7919) % hour.authors}`;
    const roll = i % 20;
    if (roll < 2 || posts.length === 0) {
      const postId = `${hour.run}-p${i}`;
      posts.push(postId);
      const tags = [`${hour.run}_t${i % hour.tags}`, `${hour.run}_t${(i * 31) % hour.tags}`];
      yield postRecord(hour.run, i, at, author, { case: 'postCreated', value: postCreated(postId, author, tags, at) });
    } else if (roll < 13) {
      const postId = posts[(i * 104729) % posts.length]!;
      yield postRecord(hour.run, i, at, author, {
        case: 'postLoved',
        value: { postId, userId: author, loveCount: 1n, lovedAt: timestampFromMs(at) },
      });
    } else if (roll < 17) {
      const postId = posts[(i * 104729) % posts.length]!;
      yield postRecord(hour.run, i, at, author, {
        case: 'commentAdded',
        value: { postId, commentId: `${hour.run}-c${i}`, authorId: author, text: 'bench', commentCount: 1n },
      });
    } else {
      const followee = `${hour.run}-u${(i * 15485863) % hour.authors}`;
      yield userRecord(hour.run, i, at, author, followee);
    }
  }
}

/** A record for one partition of its topic. */
export interface PartitionRecord extends EventRecord {
  readonly partition: number;
}

/**
 * A window's own trending tag: `tag` used by 5 distinct authors (the threshold) at `at`, spread
 * over the partitions.
 */
export function markerRecords(run: string, sample: number, tag: string, at: number, partitions: number) {
  return Array.from({ length: 5 }, (_, a): PartitionRecord => {
    const author = `${run}-marker${a}`;
    const value = postCreated(`${run}-marker${sample}-${a}`, author, [tag], at);
    const record = postRecord(run, 2_000_000_000 + sample * 100 + a, at, author, { case: 'postCreated', value });
    return { ...record, partition: a % partitions };
  });
}

/**
 * One tick of traffic at `at`: a post (its key carries `at`, see tickTime) and a follow on every
 * partition, so every partition's watermark moves with the clock. Three authors only: the
 * ticks' tag never trends.
 */
export function tickRecords(run: string, sample: number, sequence: number, at: number, partitions: number) {
  return Array.from({ length: partitions }, (_, p): PartitionRecord[] => {
    const author = `${run}-ticker${p % 3}`;
    const index = 3_000_000_000 + (sample * 100_000 + sequence) * partitions + p;
    const value = postCreated(`${run}-tick-${at}-${p}`, author, [`${run}_tick`], at);
    return [
      { ...postRecord(run, index, at, author, { case: 'postCreated', value }), partition: p },
      { ...userRecord(run, index + 1_000_000_000, at, author, `${run}-u0`), partition: p },
    ];
  }).flat();
}

/** The event time a tick's key carries, or undefined for any other record. */
export function tickTime(key: string): number | undefined {
  const match = /-tick-(\d+)-\d+$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

function postCreated(postId: string, authorId: string, tags: string[], at: number) {
  return {
    postId,
    authorId,
    kind: PostKind.TEXT,
    audience: Audience.FOLLOWERS,
    caption: 'bench',
    url: 'https://bench.verograph.local/p.jpg',
    tags,
    createdAt: timestampFromMs(at),
  };
}

function envelope(run: string, i: number, at: number, aggregateId: string, actorId: string) {
  return create(EnvelopeSchema, {
    messageId: `${run}-m${i}`,
    commandId: `${run}-c${i}`,
    aggregateId,
    occurredAt: timestampFromMs(at),
    actorId,
  });
}

type PostEventCase = NonNullable<MessageInitShape<typeof PostEventSchema>['event']>;

function postRecord(run: string, i: number, at: number, actor: string, event: PostEventCase): EventRecord {
  const postId = (event.value as { postId: string }).postId;
  const value = create(PostEventSchema, { envelope: envelope(run, i, at, postId, actor), event });
  return { stream: 'posts', key: postId, value: Buffer.from(toBinary(PostEventSchema, value)), occurredAt: at };
}

function userRecord(run: string, i: number, at: number, follower: string, followee: string): EventRecord {
  const value: UserEvent = create(UserEventSchema, {
    envelope: envelope(run, i, at, follower, follower),
    event: { case: 'followed', value: { followerId: follower, followeeId: followee } },
  });
  return { stream: 'users', key: follower, value: Buffer.from(toBinary(UserEventSchema, value)), occurredAt: at };
}
