import { randomUUID } from 'node:crypto';

import type { ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { errorCodes } from '@verograph/subgraph-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PostsTestServer } from './testing/postsTestServer.ts';
import { startPostsTestServer } from './testing/postsTestServer.ts';

/**
 * Issue 12, item 12: the same idempotency key sent again with another payload used to be
 * answered with the first request's outcome, silently. It is refused with a coded error.
 * The writer's part (recording the fingerprint header with its decision) is played here by
 * the test's writer, which records what the real one does (writers' fingerprint spec).
 */
let world: PostsTestServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
let author: string;

beforeAll(async () => {
  world = await startPostsTestServer('posts-key-reuse-int', { mutationWaitMs: 2_000 });
  ({ gql, fx } = world);
  author = await fx.user();
  // The writer creates the post and records its decision with the record's fingerprint.
  world.onCommand(async (command, record) => {
    if (command.command.case !== 'createPost') throw new Error(`unexpected ${command.command.case}`);
    const { postId, caption } = command.command.value;
    await fx.post({ id: postId, authorId: author, audience: 'FOLLOWERS', caption });
    const fingerprint = record.headers?.['command-fingerprint'];
    expect(fingerprint).toMatch(/^[\w-]{43}$/);
    await fx.outcome(command.envelope!.commandId, postId, 'APPLIED', undefined, fingerprint);
  });
});

afterAll(async () => {
  await world?.stop();
});

const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) {
  commandId status clientMutationId post { id caption } } }`;

interface CreateAnswer {
  createPost: { commandId: string; status: string; post: { id: string; caption: string } | null } | null;
}

const input = (caption: string, clientMutationId?: string) => ({
  input: { kind: 'TEXT', audience: 'FOLLOWERS', caption, ...(clientMutationId ? { clientMutationId } : {}) },
});

describe('an idempotency key reused for a different request', () => {
  it.each([
    [
      'clientMutationId',
      (caption: string, key: string) => gql.query<CreateAnswer>(author, CREATE, input(caption, key)),
    ],
    [
      'the Idempotency-Key header',
      (caption: string, key: string) =>
        gql.query<CreateAnswer>(author, CREATE, input(caption), { 'idempotency-key': key }),
    ],
  ])(
    'given a post created with %s, when the same key comes with another caption, then IDEMPOTENCY_KEY_REUSED and nothing is published',
    async (_, create) => {
      const key = `k-${randomUUID()}`;
      const first = await create('Dunes at dawn', key);
      expect(first.errors).toBeUndefined();
      expect(first.data!.createPost).toMatchObject({ status: 'APPLIED', post: { caption: 'Dunes at dawn' } });
      const published = world.published.length;

      // A true resend is still answered from the record.
      const resend = await create('Dunes at dawn', key);
      expect(resend.errors).toBeUndefined();
      expect(resend.data!.createPost).toEqual(first.data!.createPost);

      const reused = await create('Something else entirely', key);
      expect(errorCodes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(reused.errors![0]!.message).toBe(
        'This idempotency key (clientMutationId or Idempotency-Key) was used for a different request; use a new key.',
      );
      expect(reused.data?.createPost ?? null).toBeNull();
      expect(world.published.length).toBe(published);
    },
  );

  it('given an outcome recorded before fingerprints were kept, when resent, then it is answered from the record as before', async () => {
    const key = `k-${randomUUID()}`;
    const first = await gql.query<CreateAnswer>(author, CREATE, input('Old row', key));
    const { commandId, post } = first.data!.createPost!;
    await fx.outcome(commandId, post!.id, 'APPLIED');
    const resend = await gql.query<CreateAnswer>(author, CREATE, input('Old row, edited', key));
    expect(resend.errors).toBeUndefined();
    expect(resend.data!.createPost).toMatchObject({ commandId, status: 'APPLIED' });
  });
});
