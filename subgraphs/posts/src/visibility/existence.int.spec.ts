import { randomUUID } from 'node:crypto';

import type { CountingClient, ReadModelFixtures, SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { errorCodes } from '@verograph/subgraph-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PostsTestServer } from '../testing/postsTestServer.ts';
import { startPostsTestServer } from '../testing/postsTestServer.ts';

/**
 * Issue 12, item 4: a stranger timed `post(id)` and learned that a private post exists, since
 * a missing id was answered after one read and an invisible post after three. Every path that
 * takes an id a stranger chose must cost the same store reads whether the post is missing,
 * deleted or invisible. Reads are compared by number and statement, not by wall time.
 */
let world: PostsTestServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
let counting: CountingClient;

let stranger: string;
const ids = {} as Record<'invisible' | 'deleted' | 'missing', string>;
const comments = {} as Record<'onInvisible' | 'missing', string>;

beforeAll(async () => {
  world = await startPostsTestServer('posts-existence-int', { mutationWaitMs: 300 });
  ({ gql, fx, counting } = world);
  const author = await fx.user();
  const friend = await fx.user();
  stranger = await fx.user();
  await fx.connect(author, friend, 'CLOSE_FRIEND', 'CLOSE_FRIEND');
  ids.invisible = (await fx.post({ authorId: author, audience: 'CLOSE_FRIENDS' })).id;
  ids.deleted = (await fx.post({ authorId: author, audience: 'CLOSE_FRIENDS', deleted: true })).id;
  ids.missing = randomUUID();
  comments.onInvisible = (await fx.comment(ids.invisible, friend, 'private words')).id;
  comments.missing = randomUUID();
});

afterAll(async () => {
  await world?.stop();
});

/** The statements one request made, in a stable order (concurrent reads finish in any order). */
async function readsOf(request: () => Promise<unknown>): Promise<string[]> {
  counting.reset();
  await request();
  return [...counting.statements].sort();
}

const POST = 'query($id: ID!) { post(id: $id) { id caption } }';
const ENTITY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id caption } } }';
const COMMENT = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Comment { id text } } }';
const LOVE = 'mutation($id: ID!) { lovePost(postId: $id) { status } }';

describe('a stranger asking for a post by id', () => {
  it('post(id): a missing, a deleted and an invisible post cost the same reads, and all answer null', async () => {
    const reads = {} as Record<keyof typeof ids, string[]>;
    for (const which of ['invisible', 'deleted', 'missing'] as const) {
      reads[which] = await readsOf(async () => {
        const answer = await gql.query<{ post: unknown }>(stranger, POST, { id: ids[which] });
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toEqual({ post: null });
      });
    }
    // The post row, then the author's relation to the viewer (connection level, follow).
    expect(reads.invisible).toHaveLength(3);
    expect(reads.missing).toEqual(reads.invisible);
    expect(reads.deleted).toEqual(reads.invisible);
  });

  it('the Post entity: a missing and an invisible post cost the same reads', async () => {
    const entity = (id: string) => () => gql.query(stranger, ENTITY, { r: [{ __typename: 'Post', id }] });
    const invisible = await readsOf(entity(ids.invisible));
    const missing = await readsOf(entity(ids.missing));
    expect(missing).toEqual(invisible);
  });

  it('lovePost: a missing and an invisible post cost the same reads and answer the same POST_NOT_FOUND', async () => {
    const answers: unknown[] = [];
    const reads = [];
    for (const id of [ids.invisible, ids.missing]) {
      reads.push(
        await readsOf(async () => {
          const answer = await gql.query(stranger, LOVE, { id });
          expect(errorCodes(answer)).toEqual(['POST_NOT_FOUND']);
          answers.push(JSON.stringify(answer).replaceAll(id, '<id>'));
        }),
      );
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(reads[1]).toEqual(reads[0]);
  });

  it('the Comment entity: a missing comment and a comment on an invisible post cost the same reads', async () => {
    const onInvisible = await readsOf(async () => {
      const answer = await gql.query(stranger, COMMENT, { r: [{ __typename: 'Comment', id: comments.onInvisible }] });
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ _entities: [null] });
    });
    const missing = await readsOf(async () => {
      const answer = await gql.query(stranger, COMMENT, { r: [{ __typename: 'Comment', id: comments.missing }] });
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ _entities: [null] });
    });
    expect(missing).toEqual(onInvisible);
  });
});
