import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { deadLetterSource } from '@verograph/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CommandStatus, newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

let h: WriterHarness;
let author: { id: string; username: string };

beforeAll(async () => {
  h = await startWriterHarness(['users', 'posts']);
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

const createPost = (postId: string, by = author.id) =>
  h.post(by, postId, {
    case: 'createPost',
    value: {
      postId,
      authorId: by,
      kind: PostKind.PHOTO,
      audience: Audience.FRIENDS,
      caption: 'Sunset',
      url: 'https://photos.example/sunset.jpg',
      tags: ['beach'],
    },
  });
const love = (postId: string, userId: string) =>
  h.post(userId, postId, { case: 'lovePost', value: { postId, userId } });
const unlove = (postId: string, userId: string) =>
  h.post(userId, postId, { case: 'unlovePost', value: { postId, userId } });

async function post(postId: string) {
  const row = (
    await h.cassandra.execute(
      'SELECT author_id, kind, audience, caption, tags, deleted, love_count, comment_count, latest_comment_id, created_at FROM posts WHERE id = ?',
      [postId],
      { prepare: true },
    )
  ).first();
  return row
    ? {
        authorId: row.get('author_id'),
        kind: row.get('kind'),
        audience: row.get('audience'),
        tags: row.get('tags'),
        deleted: row.get('deleted'),
        loveCount: Number(row.get('love_count')),
        commentCount: Number(row.get('comment_count')),
        latestCommentId: row.get('latest_comment_id'),
        createdAt: row.get('created_at') as Date,
      }
    : undefined;
}

const count = async (query: string, params: unknown[]) =>
  (await h.cassandra.execute(query, params, { prepare: true })).rowLength;

describe('the posts writer, through Kafka and Cassandra', () => {
  it('creates a post in posts and posts_by_author, with PostCreated; POST_EXISTS for its id again', async () => {
    const postId = randomUUID();
    const sent = await createPost(postId);
    await h.applied(sent);
    const [created] = await h.postEvents(sent.commandId);
    expect(created!.key).toBe(postId);
    expect(created!.event.event).toMatchObject({
      case: 'postCreated',
      value: { postId, authorId: author.id, kind: PostKind.PHOTO, audience: Audience.FRIENDS, caption: 'Sunset' },
    });
    expect(await post(postId)).toMatchObject({
      authorId: author.id,
      kind: 'PHOTO',
      audience: 'FRIENDS',
      tags: ['beach'],
      deleted: false,
      loveCount: 0,
      commentCount: 0,
    });
    expect(await count('SELECT post_id FROM posts_by_author WHERE author_id = ?', [author.id])).toBeGreaterThan(0);
    expect(await h.outcome(await createPost(postId))).toMatchObject({
      status: CommandStatus.REJECTED,
      reasonCode: 'POST_EXISTS',
    });
  });

  it('refuses a post by a user without a profile with PROFILE_REQUIRED', async () => {
    const stranger = newUser('stranger');
    expect(await h.outcome(await createPost(randomUUID(), stranger.id))).toMatchObject({
      reasonCode: 'PROFILE_REQUIRED',
    });
  });

  it('decides absolute love counts in command order, however fast they come', async () => {
    const postId = randomUUID();
    await h.applied(await createPost(postId));
    const users = Array.from({ length: 6 }, (_, i) => `lover-${i}-${randomUUID().slice(0, 6)}`);
    // Published back to back, without waiting: one key, one partition, one order.
    const sent = [];
    for (const u of users) sent.push(await love(postId, u));
    sent.push(await unlove(postId, users[1]!));
    sent.push(await unlove(postId, users[4]!));
    sent.push(await love(postId, users[1]!));
    sent.push(await love(postId, users[0]!)); // ALREADY_LOVED
    sent.push(await unlove(postId, users[4]!)); // NOT_LOVED

    const outcomes = await Promise.all(sent.map((s) => h.outcome(s)));
    expect(outcomes.map((o) => o.reasonCode)).toEqual([
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      'ALREADY_LOVED',
      'NOT_LOVED',
    ]);
    const counts = [];
    for (const s of sent.slice(0, 9)) {
      const [e] = await h.postEvents(s.commandId);
      const value = e!.event.event.value as { loveCount: bigint };
      counts.push(Number(value.loveCount));
    }
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 5, 4, 5]);
    expect((await post(postId))!.loveCount).toBe(5);
    expect(await count('SELECT user_id FROM post_loves WHERE post_id = ?', [postId])).toBe(5);
    // The lovers' own partitions agree: whoever still loves it has the post there, nobody else.
    const lovers = new Set(
      (
        await h.cassandra.execute('SELECT user_id FROM post_loves WHERE post_id = ?', [postId], { prepare: true })
      ).rows.map((r) => String(r.get('user_id'))),
    );
    for (const userId of users) {
      const own = await count('SELECT post_id FROM loves_by_user WHERE user_id = ? AND post_id = ?', [userId, postId]);
      expect(own, userId).toBe(lovers.has(userId) ? 1 : 0);
    }
    expect(lovers).toEqual(new Set([users[0], users[1], users[2], users[3], users[5]]));
  });

  it('adds comments with absolute counts and the latest comment id', async () => {
    const postId = randomUUID();
    await h.applied(await createPost(postId));
    const commenter = newUser('commenter');
    const comments = [randomUUID(), randomUUID()];
    for (const [i, commentId] of comments.entries()) {
      const sent = await h.post(commenter.id, postId, {
        case: 'commentOnPost',
        value: { postId, commentId, authorId: commenter.id, text: `comment ${i}` },
      });
      await h.applied(sent);
      const [added] = await h.postEvents(sent.commandId);
      expect(added!.event.event).toMatchObject({
        case: 'commentAdded',
        value: { commentId, commentCount: BigInt(i + 1) },
      });
    }
    expect(await post(postId)).toMatchObject({ commentCount: 2, latestCommentId: comments[1] });
    expect(await count('SELECT comment_id FROM comments_by_post WHERE post_id = ?', [postId])).toBe(2);
    expect(await count('SELECT id FROM comments WHERE id = ?', [comments[0]])).toBe(1);
    const empty = await h.post(commenter.id, postId, {
      case: 'commentOnPost',
      value: { postId, commentId: randomUUID(), authorId: commenter.id, text: '   ' },
    });
    expect(await h.outcome(empty)).toMatchObject({ reasonCode: 'BAD_USER_INPUT' });
  });

  it('deletes a post only for its author: marks it, removes it from posts_by_author, and then it is gone', async () => {
    const postId = randomUUID();
    await h.applied(await createPost(postId));
    const other = newUser('other');
    const byOther = await h.post(other.id, postId, { case: 'deletePost', value: { postId } });
    expect(await h.outcome(byOther)).toMatchObject({ reasonCode: 'NOT_POST_AUTHOR' });

    const sent = await h.post(author.id, postId, { case: 'deletePost', value: { postId } });
    await h.applied(sent);
    const { createdAt } = (await post(postId))!;
    const [deleted] = await h.postEvents(sent.commandId);
    expect(deleted!.event.event).toMatchObject({ case: 'postDeleted', value: { postId, authorId: author.id } });
    expect((await post(postId))!.deleted).toBe(true);
    expect(
      await count('SELECT post_id FROM posts_by_author WHERE author_id = ? AND created_at = ? AND post_id = ?', [
        author.id,
        createdAt,
        postId,
      ]),
    ).toBe(0);
    expect(await h.outcome(await love(postId, other.id))).toMatchObject({ reasonCode: 'POST_NOT_FOUND' });
    const missing = randomUUID();
    expect(
      await h.outcome(await h.post(author.id, missing, { case: 'deletePost', value: { postId: missing } })),
    ).toMatchObject({
      reasonCode: 'POST_NOT_FOUND',
    });
  });

  it('applies a command delivered twice once, and republishes the same outcome and events', async () => {
    const postId = randomUUID();
    await h.applied(await createPost(postId));
    const first = await love(postId, 'twice-lover');
    const outcome = await h.applied(first);
    await h.postEvents(first.commandId);
    await h.resend(first);
    const after = await love(postId, 'another-lover');
    await h.applied(after); // the duplicate was handled before it: same partition
    const outcomes = await h.watch.until('the outcome published again', () =>
      h.outcomes(first).length >= 2 ? h.outcomes(first) : undefined,
    );
    expect(outcomes).toHaveLength(2);
    expect(outcomes[1]).toEqual(outcome);
    // The replay's PostLoved precedes the next command's on the post's partition.
    const [afterEvent] = await h.postEvents(after.commandId);
    const republished = await h.postEvents(first.commandId);
    expect(republished).toHaveLength(2);
    expect(republished[1]).toEqual(republished[0]);
    expect((await post(postId))!.loveCount).toBe(2);
    expect((afterEvent!.event.event.value as { loveCount: bigint }).loveCount).toBe(2n);
  });

  it('dead-letters poison and carries on: undecodable bytes, a command under the wrong key', async () => {
    const key = randomUUID();
    const garbage = new Uint8Array([0x0a, 0x05, 0xff, 0xff]);
    await h.raw(h.topics.postsCommands, key, garbage);
    const postId = randomUUID();
    const commandId = randomUUID();
    const misKeyed = toBinary(
      PostCommandSchema,
      create(PostCommandSchema, {
        envelope: { commandId, aggregateId: postId, actorId: author.id },
        command: { case: 'lovePost', value: { postId, userId: author.id } },
      }),
    );
    await h.raw(h.topics.postsCommands, `not-${postId}`, misKeyed);

    const dead = await h.watch.until('two dead letters', (all) => {
      const letters = all.filter((r) => r.topic === h.topics.deadLetter);
      return letters.length >= 2 ? letters : undefined;
    });
    const undecodable = dead.find((d) => d.message.key?.toString() === key)!;
    expect(undecodable.message.value).toEqual(Buffer.from(garbage));
    expect(deadLetterSource(undecodable.message.headers)).toMatchObject({
      topic: h.topics.postsCommands,
      consumerGroup: `test-writers-posts-${h.run}`,
      code: 'UNDECODABLE',
    });
    const wrongKey = dead.find((d) => d.message.key?.toString() === `not-${postId}`)!;
    expect(wrongKey.message.value).toEqual(Buffer.from(misKeyed));
    expect(deadLetterSource(wrongKey.message.headers)).toMatchObject({ code: 'AGGREGATE_MISMATCH' });
    expect(h.outcomes({ commandId })).toEqual([]);

    // The writer carries on with the commands behind them.
    await h.applied(await createPost(randomUUID()));
    const metrics = await h.metrics.metrics();
    expect(metrics).toMatch(
      /messages_dead_lettered_total\{group="test-writers-posts-[^"]+",topic="[^"]+",code="UNDECODABLE"\} 1/,
    );
    expect(metrics).toMatch(
      /messages_rejected_total\{group="test-writers-posts-[^"]+",topic="[^"]+",code="POST_EXISTS"\} 1/,
    );
  });
});
