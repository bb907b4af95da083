import { createHash, randomUUID } from 'node:crypto';

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, type CommandOutcome } from '@verograph/contracts/common/v1/outcome';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema, type PostEvent } from '@verograph/contracts/posts/v1/events';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import {
  continueTrace,
  createProducer,
  type IncomingRecord,
  type MessageProducer,
  type OutgoingRecord,
} from '@verograph/messaging';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPostsWriter } from '../posts/postsWriter.ts';
import { newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';
import { createBatchHandler } from './batchHandler.ts';
import { createCommandHandler } from './commandHandler.ts';
import { createDecisionLog } from './decisionLog.ts';

let h: WriterHarness;
let author: { id: string; username: string };
let producer: MessageProducer;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  h = await startWriterHarness(['users']);
  producer = await createProducer(h.kafka);
  author = newUser('batcher');
  await h.applied(
    await h.user(author.id, author.id, {
      case: 'createProfile',
      value: { userId: author.id, profile: { username: author.username, displayName: 'Batch author' } },
    }),
  );
});

afterAll(async () => {
  await producer?.disconnect();
  await h?.stop();
});

/** A tiny deterministic PRNG, so a failing run can be replayed exactly. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

type Step =
  { kind: 'lovePost' | 'unlovePost'; userId: string } | { kind: 'commentOnPost'; userId: string; commentId: string };

/** A post's life in one stream: created, then loves, unloves (some refused) and comments. */
function script(seed: number, length: number): Step[] {
  const random = prng(seed);
  const users = Array.from({ length: 12 }, (_, i) => `batch-user-${seed}-${i}`);
  let comments = 0;
  return Array.from({ length }, (): Step => {
    const userId = users[Math.floor(random() * users.length)]!;
    const roll = random();
    // Some comments reuse the id of the one before: refused as already used.
    if (roll < 0.05 && comments > 0) return { kind: 'commentOnPost', userId, commentId: String(comments) };
    if (roll < 0.2) return { kind: 'commentOnPost', userId, commentId: String(++comments) };
    return { kind: roll < 0.65 ? 'lovePost' : 'unlovePost', userId };
  });
}

let offset = 0;
/** A posts command record as the consumer hands it over; comment ids are derived per post. */
function recordOf(postId: string, step: Step | 'create', commandId = randomUUID()): IncomingRecord {
  const actor = step === 'create' ? author.id : step.userId;
  const command =
    step === 'create'
      ? {
          case: 'createPost' as const,
          value: { postId, authorId: author.id, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: 'batched' },
        }
      : step.kind === 'commentOnPost'
        ? {
            case: 'commentOnPost' as const,
            value: { postId, commentId: commentIdOf(postId, step.commentId), authorId: step.userId, text: 'hello' },
          }
        : { case: step.kind, value: { postId, userId: step.userId } };
  return {
    topic: h.topics.postsCommands,
    partition: 0,
    offset: String(offset++),
    key: Buffer.from(postId),
    value: Buffer.from(
      toBinary(
        PostCommandSchema,
        create(PostCommandSchema, { envelope: { commandId, aggregateId: postId, actorId: actor }, command }),
      ),
    ),
    headers: {},
    timestamp: String(Date.now()),
    trace: continueTrace(undefined),
    attempt: 1,
  };
}

/** A comment id (a lower-case UUID) derived from the post and the script's label, so two posts' scripts match. */
function commentIdOf(postId: string, label: string) {
  const hex = createHash('sha256').update(`${postId}/${label}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What a reader can tell of an outcome and its events, without ids and times. */
function visible(outcome: CommandOutcome, events: readonly PostEvent[]) {
  return {
    status: outcome.status,
    code: outcome.reasonCode,
    events: events.map((e) => {
      const { case: kind, value } = e.event;
      const counts = value as { loveCount?: bigint; commentCount?: bigint; userId?: string };
      return { kind, loveCount: counts.loveCount, commentCount: counts.commentCount, userId: counts.userId };
    }),
  };
}

/** A producer that keeps what it sends, decoded, besides sending it. */
function recording(into: OutgoingRecord[][]): MessageProducer {
  return {
    async send(records) {
      into.push([...records]);
      await producer.send(records);
    },
    disconnect: async () => {},
  };
}

function decodeSent(sent: readonly OutgoingRecord[]) {
  const outcomes = sent
    .filter((r) => r.topic === h.topics.outcomes)
    .map((r) => fromBinary(CommandOutcomeSchema, r.value));
  const events = sent.filter((r) => r.topic === h.topics.postsEvents).map((r) => fromBinary(PostEventSchema, r.value));
  return { outcomes, events };
}

async function postRow(postId: string) {
  const row = (
    await h.cassandra.execute('SELECT love_count, comment_count FROM posts WHERE id = ?', [postId], { prepare: true })
  ).first();
  const lovers = (
    await h.cassandra.execute('SELECT user_id FROM post_loves WHERE post_id = ?', [postId], { prepare: true })
  ).rows.map((r) => String(r.get('user_id')));
  const comments = (
    await h.cassandra.execute('SELECT comment_id FROM comments_by_post WHERE post_id = ?', [postId], {
      prepare: true,
    })
  ).rows.length;
  return {
    loveCount: Number(row?.get('love_count')),
    commentCount: Number(row?.get('comment_count')),
    lovers: lovers.sort(),
    comments,
  };
}

describe('a batch that holds many commands of one aggregate', () => {
  it('decides them in order in memory, with the same outcomes, events and rows as one at a time', async () => {
    const steps = script(7, 240);
    const batched = randomUUID();
    const single = randomUUID();
    const clock = () => new Date('2026-04-01T12:00:00.000Z');
    const deps = { decisions: createDecisionLog(h.cassandra), topics: h.topics.of('posts'), clock, logger };

    // One batch: the post's creation and its 240 commands, handed over together.
    const sentInBatch: OutgoingRecord[][] = [];
    const handleBatch = createBatchHandler({
      ...deps,
      writer: createPostsWriter(h.cassandra),
      producer: recording(sentInBatch),
    });
    const batchRecords = [recordOf(batched, 'create'), ...steps.map((s) => recordOf(batched, s))];
    const answered = await handleBatch({
      topic: h.topics.postsCommands,
      partition: 0,
      records: batchRecords,
      assertOwned: async () => undefined,
    });
    expect(answered).toHaveLength(batchRecords.length);
    // The whole batch left in one send.
    expect(sentInBatch).toHaveLength(1);

    // The same script on another post, one record per call, each written before the next is read.
    const sentOneByOne: OutgoingRecord[][] = [];
    const handleOne = createCommandHandler({
      ...deps,
      writer: createPostsWriter(h.cassandra),
      producer: recording(sentOneByOne),
    });
    const singleRecords = [recordOf(single, 'create'), ...steps.map((s) => recordOf(single, s))];
    const oneByOne = [];
    for (const record of singleRecords) oneByOne.push(await handleOne(record));
    expect(answered).toEqual(oneByOne);

    const inBatch = decodeSent(sentInBatch.flat());
    const alone = decodeSent(sentOneByOne.flat());
    const seen = (sent: ReturnType<typeof decodeSent>) =>
      sent.outcomes.map((o) =>
        visible(
          o,
          sent.events.filter((e) => e.envelope!.commandId === o.commandId),
        ),
      );
    expect(seen(inBatch)).toEqual(seen(alone));
    // Not trivially equal: the script loves, unloves, comments and is refused.
    const statuses = new Set(inBatch.outcomes.map((o) => o.reasonCode || 'APPLIED'));
    expect([...statuses].sort()).toEqual(['ALREADY_LOVED', 'APPLIED', 'BAD_USER_INPUT', 'NOT_LOVED']);

    const batchedRow = await postRow(batched);
    expect(batchedRow).toEqual(await postRow(single));
    const lastLove = [...inBatch.events].reverse().find((e) => e.event.case !== 'commentAdded')!;
    expect(batchedRow.loveCount).toBe(Number((lastLove.event.value as { loveCount: bigint }).loveCount));
    expect(batchedRow.lovers).toHaveLength(batchedRow.loveCount);
  });
});

// A writer process killed with SIGKILL mid-backlog, its handled batches uncommitted, is
// writer/crashSafety.int.spec.ts; this one stops at the exact point, every time.
describe('a crash between the Cassandra writes and the offset commit', () => {
  it('replays the batch with no duplicate: identical outcomes and events, counts and rows exact', async () => {
    const steps = script(11, 150);
    const postId = randomUUID();
    const records = [recordOf(postId, 'create'), ...steps.map((s) => recordOf(postId, s))];
    const batchOf = () => ({
      topic: h.topics.postsCommands,
      partition: 0,
      records,
      assertOwned: async () => undefined,
    });
    const deps = { decisions: createDecisionLog(h.cassandra), topics: h.topics.of('posts'), logger };

    // The first run writes and publishes everything; the process dies before its offsets are
    // committed (nothing commits here: the handler is called directly).
    const first: OutgoingRecord[][] = [];
    await createBatchHandler({
      ...deps,
      clock: () => new Date('2026-04-02T08:00:00.000Z'),
      writer: createPostsWriter(h.cassandra),
      producer: recording(first),
    })(batchOf());
    const afterFirst = await postRow(postId);

    // The replay: a new process (nothing in memory), a later clock, the same records.
    const second: OutgoingRecord[][] = [];
    const replayed = await createBatchHandler({
      ...deps,
      clock: () => new Date('2026-04-02T09:00:00.000Z'),
      writer: createPostsWriter(h.cassandra),
      producer: recording(second),
    })(batchOf());
    expect(replayed.every((o) => o.kind === 'done')).toBe(true);

    // Byte for byte what the first run published: a reader that keeps one copy per event id
    // (and a mutation waiting for one outcome per command) sees each once.
    const bytes = (sent: OutgoingRecord[][]) => sent.flat().map((r) => [r.topic, r.key, Buffer.from(r.value)]);
    expect(bytes(second)).toEqual(bytes(first));
    const { outcomes, events } = decodeSent(first.flat());
    expect(new Set(outcomes.map((o) => o.commandId)).size).toBe(records.length);
    expect(new Set(events.map((e) => e.envelope!.messageId)).size).toBe(events.length);

    // Nothing counted twice.
    expect(await postRow(postId)).toEqual(afterFirst);
    const lovers = new Set<string>();
    for (const step of steps) {
      if (step.kind === 'lovePost') lovers.add(step.userId);
      if (step.kind === 'unlovePost') lovers.delete(step.userId);
    }
    expect(afterFirst.lovers).toEqual([...lovers].sort());
    expect(afterFirst.loveCount).toBe(lovers.size);
    expect(afterFirst.comments).toBe(events.filter((e) => e.event.case === 'commentAdded').length);
    expect(afterFirst.commentCount).toBe(afterFirst.comments);
  });
});
