import { randomUUID } from 'node:crypto';

import type { PostCommand } from '@verograph/contracts/posts/v1/commands';
import type { GraphQLAnswer, ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { PostsTestServer } from './testing/postsTestServer.ts';
import { startPostsTestServer } from './testing/postsTestServer.ts';

/**
 * Issue 12, item 1: a resend of a decided mutation is answered from the decision log, but not
 * past the read-side rights. A viewer who has lost sight of a post since (demoted, or the
 * connection removed) gets exactly what a missing post gets, and a payload shows its post
 * as the viewer sees it when the answer is made.
 */
let world: PostsTestServer;
let client: cassandra.Client;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;

beforeAll(async () => {
  world = await startPostsTestServer('posts-replay-int', { mutationWaitMs: 2_000 });
  ({ client, gql, fx } = world);
});

afterAll(async () => {
  await world?.stop();
});

/** The writer applies love and unlove and the projectors show them, then the outcome is recorded. */
async function applyEngagement(command: PostCommand): Promise<void> {
  const envelope = command.envelope!;
  if (command.command.case === 'lovePost') {
    await fx.love(command.command.value.postId, command.command.value.userId);
  } else if (command.command.case === 'unlovePost') {
    const { postId, userId } = command.command.value;
    await client.execute('DELETE FROM post_loves WHERE post_id = ? AND user_id = ?', [postId, userId], {
      prepare: true,
    });
    await client.execute('DELETE FROM loves_by_user WHERE user_id = ? AND post_id = ?', [userId, postId], {
      prepare: true,
    });
  }
  await fx.outcome(envelope.commandId, envelope.aggregateId, 'APPLIED');
}

beforeEach(() => {
  world.onCommand(applyEngagement);
});

const LOVE = `mutation($id: ID!, $c: String) { lovePost(postId: $id, clientMutationId: $c) {
  commandId status clientMutationId post { id caption audience loveCount commentCount comments { edges { node { text } } } } } }`;
const UNLOVE = LOVE.replace('lovePost', 'unlovePost');

interface PostPayloadAnswer {
  commandId: string;
  status: string;
  post: { caption: string } | null;
}
type MutationAnswer = GraphQLAnswer<Record<string, PostPayloadAnswer | null>>;

/** What a client can tell from an answer, the post id in messages aside (the client sent it). */
function observable(answer: MutationAnswer, postId: string) {
  return {
    data: answer.data ?? null,
    errors: (answer.errors ?? []).map((e) => ({
      message: e.message.replaceAll(postId, '<id>'),
      code: e.extensions?.code,
      path: e.path,
      // Every extension (field, code, …), as the client receives it.
      extensions: e.extensions,
    })),
  };
}

/** Alice's CLOSE_FRIENDS post, and Bob as her close friend. */
async function closeFriends() {
  const alice = await fx.user();
  const bob = await fx.user();
  await fx.connect(alice, bob, 'CLOSE_FRIEND', 'FRIEND');
  const post = await fx.post({ authorId: alice, audience: 'CLOSE_FRIENDS', caption: `secret ${randomUUID()}` });
  return { alice, bob, postId: post.id };
}

const losses = {
  'demotes Bob (setConnectionLevel)': (alice: string, bob: string) => fx.setLevel(alice, bob, 'ACQUAINTANCE'),
  'removes the connection (removeConnection)': async (alice: string, bob: string) => {
    for (const [user, other] of [
      [alice, bob],
      [bob, alice],
    ]) {
      await client.execute('DELETE FROM connections WHERE user_id = ? AND other_id = ?', [user, other], {
        prepare: true,
      });
    }
  },
};

describe('a resend after the viewer lost sight of the post', () => {
  it.each(Object.entries(losses))(
    'given Bob loved a close-friends post, when Alice %s and Bob resends the same lovePost, then he gets what a missing post gets',
    async (_, lose) => {
      const { alice, bob, postId } = await closeFriends();
      const c = `cm-${randomUUID()}`;
      const first = await gql.query<Record<string, PostPayloadAnswer>>(bob, LOVE, { id: postId, c });
      expect(first.errors).toBeUndefined();
      expect(first.data!.lovePost).toMatchObject({ status: 'APPLIED', post: { loveCount: 0 } });

      await lose(alice, bob);
      await fx.comment(postId, alice, 'written after Bob lost access');

      const resend: MutationAnswer = await gql.query(bob, LOVE, { id: postId, c });
      const missingId = randomUUID();
      const missing: MutationAnswer = await gql.query(bob, LOVE, { id: missingId, c: `cm-${randomUUID()}` });
      expect(observable(resend, postId)).toEqual(observable(missing, missingId));
      expect(observable(resend, postId).errors.map((e) => e.code)).toEqual(['POST_NOT_FOUND']);
      expect(JSON.stringify(resend)).not.toContain('secret');
      // The same key through the Idempotency-Key header is the same command, and answers the same.
      const byHeader: MutationAnswer = await gql.query(bob, LOVE, { id: postId }, { 'idempotency-key': c });
      expect(observable(byHeader, postId)).toEqual(observable(missing, missingId));
    },
  );

  it.each(Object.entries(losses))(
    'given Bob unloved a close-friends post, when Alice %s and Bob resends the same unlovePost, then he gets what a missing post gets',
    async (_, lose) => {
      const { alice, bob, postId } = await closeFriends();
      await fx.love(postId, bob);
      const c = `cm-${randomUUID()}`;
      const first = await gql.query<Record<string, PostPayloadAnswer>>(bob, UNLOVE, { id: postId, c });
      expect(first.errors).toBeUndefined();
      expect(first.data!.unlovePost).toMatchObject({ status: 'APPLIED', post: { id: postId } });

      await lose(alice, bob);

      const resend: MutationAnswer = await gql.query(bob, UNLOVE, { id: postId, c });
      const missingId = randomUUID();
      const missing: MutationAnswer = await gql.query(bob, UNLOVE, { id: missingId, c: `cm-${randomUUID()}` });
      expect(observable(resend, postId)).toEqual(observable(missing, missingId));
      expect(JSON.stringify(resend)).not.toContain('secret');
    },
  );

  it('given Bob still sees the post, when he resends, then the record answers APPLIED with the post as he sees it', async () => {
    const { bob, postId } = await closeFriends();
    const c = `cm-${randomUUID()}`;
    const first = await gql.query<Record<string, PostPayloadAnswer>>(bob, LOVE, { id: postId, c });
    const resend = await gql.query<Record<string, PostPayloadAnswer>>(bob, LOVE, { id: postId, c });
    expect(resend.errors).toBeUndefined();
    expect(resend.data!.lovePost).toMatchObject({
      commandId: first.data!.lovePost!.commandId,
      status: 'APPLIED',
      post: { id: postId },
    });
  });
});

describe('a first-time payload', () => {
  it('given Bob is demoted while his lovePost waits for the writer, then the APPLIED payload shows no post', async () => {
    const { alice, bob, postId } = await closeFriends();
    // Bob passed the rights check and his command is out; Alice demotes him before the writer answers.
    world.onCommand(async (command) => {
      await fx.setLevel(alice, bob, 'ACQUAINTANCE');
      await applyEngagement(command);
    });
    const answer = await gql.query<Record<string, PostPayloadAnswer>>(bob, LOVE, {
      id: postId,
      c: `cm-${randomUUID()}`,
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.lovePost).toMatchObject({ status: 'APPLIED', post: null });
    expect(JSON.stringify(answer)).not.toContain('secret');
  });

  it('given Bob is demoted while his comment waits for the writer, then the APPLIED payload shows no comment', async () => {
    const { alice, bob, postId } = await closeFriends();
    world.onCommand(async (command) => {
      await fx.setLevel(alice, bob, 'ACQUAINTANCE');
      if (command.command.case !== 'commentOnPost') throw new Error(`unexpected ${command.command.case}`);
      const { commentId, authorId, text } = command.command.value;
      await client.execute(
        'INSERT INTO comments (id, post_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)',
        [commentId, postId, authorId, text, new Date()],
        { prepare: true },
      );
      await fx.outcome(command.envelope!.commandId, postId, 'APPLIED');
    });
    const answer = await gql.query<Record<string, { status: string; comment: unknown }>>(
      bob,
      'mutation($id: ID!) { commentOnPost(postId: $id, text: "hi") { status comment { id text } } }',
      { id: postId },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.commentOnPost).toEqual({ status: 'APPLIED', comment: null });
  });
});
