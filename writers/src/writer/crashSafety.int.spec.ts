import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CommandOutcomeSchema, type CommandOutcome } from '@verograph/contracts/common/v1/outcome';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema, type PostEvent } from '@verograph/contracts/posts/v1/events';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { deterministicId } from '@verograph/domain';
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
import { TEST_KEYSPACE, type Received } from '../testing/engines.ts';
import { killHard, spawnWriter } from '../testing/spawnWriter.ts';
import { CommandStatus, newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';
import { createCommandHandler } from './commandHandler.ts';
import { createDecisionLog } from './decisionLog.ts';

let h: WriterHarness;
let author: { id: string; username: string };

beforeAll(async () => {
  h = await startWriterHarness(['users']);
  author = newUser('author');
  await h.applied(
    await h.user(author.id, author.id, {
      case: 'createProfile',
      value: { userId: author.id, profile: { username: author.username, displayName: 'Author' } },
    }),
  );
});

afterAll(async () => {
  await h?.stop();
});

const createPostCommand = (postId: string) =>
  h.post(author.id, postId, {
    case: 'createPost',
    value: { postId, authorId: author.id, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: 'crash me' },
  });

async function loveCount(postId: string) {
  const row = (
    await h.cassandra.execute('SELECT love_count FROM posts WHERE id = ?', [postId], { prepare: true })
  ).first();
  return Number(row?.get('love_count'));
}

async function lovers(postId: string) {
  const rows = await h.cassandra.execute('SELECT user_id FROM post_loves WHERE post_id = ?', [postId], {
    prepare: true,
  });
  return rows.rows.map((r) => String(r.get('user_id'))).sort();
}

/** A tiny deterministic PRNG, so a failing run can be replayed exactly. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

describe('a command whose decision was recorded before a crash', () => {
  const t1 = new Date('2026-03-01T10:00:00.000Z');
  const t2 = new Date('2026-03-01T11:00:00.000Z');
  const logger = pino({ level: 'silent' });
  let producer: MessageProducer;

  beforeAll(async () => {
    producer = await createProducer(h.kafka);
    await h.start('posts');
  });

  afterAll(async () => {
    await producer?.disconnect();
    // The next scenario runs its posts writer in a process of its own, alone on the topic.
    await h.consumers.get('posts')?.stop();
  });

  const recordOf = (postId: string, commandId: string, userId: string): IncomingRecord => ({
    topic: h.topics.postsCommands,
    partition: 0,
    offset: '0',
    key: Buffer.from(postId),
    value: Buffer.from(
      toBinary(
        PostCommandSchema,
        create(PostCommandSchema, {
          envelope: { commandId, aggregateId: postId, actorId: userId },
          command: { case: 'lovePost', value: { postId, userId } },
        }),
      ),
    ),
    headers: {},
    timestamp: String(Date.now()),
    trace: continueTrace(undefined),
    attempt: 1,
  });
  const handlerWith = (overrides: { apply?: () => Promise<void>; producer?: MessageProducer; clock: () => Date }) => {
    const writer = createPostsWriter(h.cassandra);
    return createCommandHandler({
      writer: overrides.apply ? { ...writer, apply: overrides.apply } : writer,
      decisions: createDecisionLog(h.cassandra),
      producer: overrides.producer ?? producer,
      topics: h.topics.of('posts'),
      clock: overrides.clock,
      logger,
    });
  };
  const outcomeOf = (commandId: string) =>
    h.watch.until(`the outcome of ${commandId}`, (all) => {
      const found = all.find((r) => r.topic === h.topics.outcomes && r.message.key?.toString() === commandId);
      return found ? fromBinary(CommandOutcomeSchema, found.message.value!) : undefined;
    });

  it('is never decided again: after a crash before the writes, the recorded events are applied and published', async () => {
    const postId = randomUUID();
    await h.applied(await createPostCommand(postId));
    const commandId = randomUUID();
    const record = recordOf(postId, commandId, 'replayed-lover');

    const crashing = handlerWith({
      clock: () => t1,
      apply: async () => {
        throw new Error('the process died before the system of record was written');
      },
    });
    await expect(crashing(record)).rejects.toThrow('died');
    const logged = (
      await h.cassandra.execute('SELECT status, events FROM command_outcomes WHERE command_id = ?', [commandId], {
        prepare: true,
      })
    ).first();
    expect(logged?.get('status')).toBe('APPLIED');
    expect(await lovers(postId)).toEqual([]);

    // Meanwhile the same user's love arrives as another command: deciding again now would
    // say ALREADY_LOVED, and at another time.
    await h.applied(
      await h.post('replayed-lover', postId, { case: 'lovePost', value: { postId, userId: 'replayed-lover' } }),
    );

    const restarted = handlerWith({ clock: () => t2 });
    expect(await restarted(record)).toEqual({ kind: 'done' });
    const outcome = await outcomeOf(commandId);
    expect(outcome.status).toBe(CommandStatus.APPLIED);
    expect(timestampDate(outcome.decidedAt!)).toEqual(t1);
    expect(outcome.eventIds).toEqual([deterministicId(commandId, '0')]);
    const event = await h.watch.until('the recorded event', (all) => {
      const found = all.find(
        (r) =>
          r.topic === h.topics.postsEvents &&
          fromBinary(PostEventSchema, r.message.value!).envelope?.commandId === commandId,
      );
      return found ? fromBinary(PostEventSchema, found.message.value!) : undefined;
    });
    expect(event.event).toMatchObject({ case: 'postLoved', value: { userId: 'replayed-lover', loveCount: 1n } });
    expect(timestampDate(event.envelope!.occurredAt!)).toEqual(t1);
    expect(await lovers(postId)).toEqual(['replayed-lover']);
    expect(await loveCount(postId)).toBe(1);
  });

  it('after a crash between the writes and the publish, applies again idempotently and publishes once more', async () => {
    const postId = randomUUID();
    await h.applied(await createPostCommand(postId));
    const commandId = randomUUID();
    const record = recordOf(postId, commandId, 'unpublished-lover');
    const sent: OutgoingRecord[][] = [];
    const unreachable: MessageProducer = {
      async send(records) {
        sent.push([...records]);
        throw new Error('Kafka unreachable');
      },
      disconnect: async () => {},
    };
    await expect(handlerWith({ clock: () => t1, producer: unreachable })(record)).rejects.toThrow('Kafka unreachable');
    expect(sent).toHaveLength(1);
    expect(await lovers(postId)).toEqual(['unpublished-lover']);
    expect(await loveCount(postId)).toBe(1);

    expect(await handlerWith({ clock: () => t2 })(record)).toEqual({ kind: 'done' });
    const outcome = await outcomeOf(commandId);
    expect(outcome).toMatchObject({ status: CommandStatus.APPLIED, eventIds: [deterministicId(commandId, '0')] });
    // What was published is byte for byte what the failed attempt tried to publish.
    const published = h.watch.received.find(
      (r) => r.topic === h.topics.outcomes && r.message.key?.toString() === commandId,
    )!;
    expect(new Uint8Array(published.message.value!)).toEqual(
      sent[0]!.find((r) => r.topic === h.topics.outcomes)!.value,
    );
    expect(await lovers(postId)).toEqual(['unpublished-lover']);
    expect(await loveCount(postId)).toBe(1);
  });
});

describe('a writer killed mid-batch and restarted', () => {
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child) await killHard(child);
  });

  it('loses nothing and duplicates no effect: every command decided once, counts exact, replays identical', async () => {
    const processConfig = {
      name: 'posts' as const,
      groupId: `test-crash-posts-${h.run}`,
      topics: h.topics.of('posts'),
      keyspace: TEST_KEYSPACE,
      // Small batches, one partition at a time, offsets committed every 3 s: the backlog takes
      // seconds to drain, and the kill lands while handled batches wait for their commit.
      maxBatchRecords: 20,
      concurrency: 1,
      commitIntervalMs: 3_000,
    };
    child = await spawnWriter(processConfig);
    const posts = Array.from({ length: 4 }, () => randomUUID());
    for (const postId of posts) await h.applied(await createPostCommand(postId));

    // A random stream of loves and unloves, and what the writer must make of it, in order.
    const random = prng(20260301);
    const users = Array.from({ length: 25 }, (_, i) => `crash-user-${i}`);
    const model = new Map(posts.map((p) => [p, new Set<string>()]));
    const expected = new Map<string, { postId: string; status: CommandStatus; code: string; count: number }>();
    const commands: { postId: string; userId: string; kind: 'lovePost' | 'unlovePost'; commandId: string }[] = [];
    for (let i = 0; i < 600; i++) {
      const postId = posts[Math.floor(random() * posts.length)]!;
      const userId = users[Math.floor(random() * users.length)]!;
      const kind = random() < 0.65 ? 'lovePost' : 'unlovePost';
      const loved = model.get(postId)!;
      const commandId = randomUUID();
      commands.push({ postId, userId, kind, commandId });
      if (kind === 'lovePost' && !loved.has(userId)) {
        loved.add(userId);
        expected.set(commandId, { postId, status: CommandStatus.APPLIED, code: '', count: loved.size });
      } else if (kind === 'unlovePost' && loved.has(userId)) {
        loved.delete(userId);
        expected.set(commandId, { postId, status: CommandStatus.APPLIED, code: '', count: loved.size });
      } else {
        const code = kind === 'lovePost' ? 'ALREADY_LOVED' : 'NOT_LOVED';
        expected.set(commandId, { postId, status: CommandStatus.REJECTED, code, count: -1 });
      }
    }
    // All at once, so the writer meets a backlog and the kill lands while batches are in hand.
    await h.publishAll(
      commands.map((c) =>
        h.postCommand(c.userId, c.postId, { case: c.kind, value: { postId: c.postId, userId: c.userId } }, c.commandId),
      ),
    );

    const ids = new Set(commands.map((c) => c.commandId));
    const outcomesSeen = () =>
      h.watch.received.filter((r) => r.topic === h.topics.outcomes && ids.has(r.message.key?.toString() ?? '')).length;
    await h.watch.until('a sixth of the outcomes', () => (outcomesSeen() >= 100 ? true : undefined), 60_000);
    await killHard(child);
    expect(outcomesSeen()).toBeLessThan(600);

    child = await spawnWriter(processConfig);
    const decided = (all: readonly Received[]) => {
      const byCommand = new Map<string, CommandOutcome[]>();
      for (const r of all) {
        if (r.topic !== h.topics.outcomes) continue;
        const outcome = fromBinary(CommandOutcomeSchema, r.message.value!);
        byCommand.set(outcome.commandId, [...(byCommand.get(outcome.commandId) ?? []), outcome]);
      }
      return byCommand;
    };
    const outcomes = await h.watch.until(
      'an outcome for every command',
      (all) => {
        const byCommand = decided(all);
        return commands.every((c) => byCommand.has(c.commandId)) ? byCommand : undefined;
      },
      120_000,
    );

    // Each command was decided once: every copy of its outcome is the same, and as the model says.
    // Outcomes and events go to different topics, so the last events may be read after the last
    // outcomes: wait for an event of every command whose first outcome says APPLIED.
    const eventsByCommand = (all: readonly Received[]) => {
      const byCommand = new Map<string, PostEvent[]>();
      for (const r of all) {
        if (r.topic !== h.topics.postsEvents) continue;
        const event = fromBinary(PostEventSchema, r.message.value!);
        const id = event.envelope!.commandId;
        byCommand.set(id, [...(byCommand.get(id) ?? []), event]);
      }
      return byCommand;
    };
    const events = await h.watch.until('an event of every applied command', (all) => {
      const byCommand = eventsByCommand(all);
      return commands.every(
        (c) => outcomes.get(c.commandId)![0]!.status !== CommandStatus.APPLIED || byCommand.has(c.commandId),
      )
        ? byCommand
        : undefined;
    });
    let replays = 0;
    for (const c of commands) {
      const copies = outcomes.get(c.commandId)!;
      replays += copies.length - 1;
      for (const copy of copies) expect(copy).toEqual(copies[0]);
      const want = expected.get(c.commandId)!;
      expect({ status: copies[0]!.status, code: copies[0]!.reasonCode }).toEqual({
        status: want.status,
        code: want.code,
      });
      if (want.status === CommandStatus.APPLIED) {
        const published = events.get(c.commandId) ?? [];
        expect(published.length).toBeGreaterThanOrEqual(1);
        for (const e of published) expect(e).toEqual(published[0]);
        expect(published[0]!.envelope!.messageId).toBe(deterministicId(c.commandId, '0'));
        expect(Number((published[0]!.event.value as { loveCount: bigint }).loveCount)).toBe(want.count);
      } else {
        expect(events.get(c.commandId)).toBeUndefined();
      }
    }
    // The kill landed mid-batch: some handled records had not been committed and came again.
    expect(replays).toBeGreaterThan(0);

    for (const postId of posts) {
      const loved = [...model.get(postId)!].sort();
      expect(await lovers(postId)).toEqual(loved);
      expect(await loveCount(postId)).toBe(loved.length);
    }

    // And the restarted writer committed everything it handled.
    const [committed] = await h.admin.fetchOffsets({
      groupId: processConfig.groupId,
      topics: [h.topics.postsCommands],
    });
    const ends = await h.admin.fetchTopicOffsets(h.topics.postsCommands);
    await expect
      .poll(
        async () => {
          const [c] = await h.admin.fetchOffsets({ groupId: processConfig.groupId, topics: [h.topics.postsCommands] });
          return c!.partitions.map((p) => Math.max(0, Number(p.offset))).reduce((a, b) => a + b, 0);
        },
        { timeout: 15_000 },
      )
      .toBe(ends.map((e) => Number(e.high)).reduce((a, b) => a + b, 0));
    expect(committed).toBeDefined();
  });
});
