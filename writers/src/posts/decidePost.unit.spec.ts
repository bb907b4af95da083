import { describe, expect, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import { decidePost, postAggregateId } from './decidePost.ts';
import type { PostCommand, PostRecord, PostState } from './postModel.ts';

const { given } = deciderSpec(decidePost);
const now = new Date('2026-03-01T10:00:00.000Z');
const alice = { actorId: 'alice', now };
const bob = { actorId: 'bob', now };
const postId = '0b7e7a2e-9d1f-4c8a-8f00-1c2d3e4f5a6b';
const commentId = '1c8f8b3f-0e2a-4d9b-9a11-2d3e4f5a6b7c';
const created = new Date('2026-02-01T08:00:00.000Z');
const post: PostRecord = { authorId: 'alice', createdAt: created, deleted: false, loveCount: 4, commentCount: 2 };
const create: Extract<PostCommand, { type: 'CreatePost' }> = {
  type: 'CreatePost',
  postId,
  authorId: 'alice',
  kind: 'PHOTO',
  audience: 'FRIENDS',
  caption: ' Sunset ',
  url: 'https://photos.example/sunset.jpg',
  tags: ['#Beach', 'beach', 'evening'],
};

describe('CreatePost', () => {
  it('creates the post at the decision time, with normalised input', () => {
    given({ authorHasProfile: true })
      .when(create, alice)
      .then({
        type: 'PostCreated',
        postId,
        authorId: 'alice',
        kind: 'PHOTO',
        audience: 'FRIENDS',
        caption: 'Sunset',
        url: 'https://photos.example/sunset.jpg',
        tags: ['beach', 'evening'],
        createdAt: now,
      });
  });

  it('keeps the earlier creation time a trusted publisher imports, and refuses one in the future', () => {
    given({ authorHasProfile: true })
      .when({ ...create, createdAt: created }, alice)
      .then({
        type: 'PostCreated',
        postId,
        authorId: 'alice',
        kind: 'PHOTO',
        audience: 'FRIENDS',
        caption: 'Sunset',
        url: 'https://photos.example/sunset.jpg',
        tags: ['beach', 'evening'],
        createdAt: created,
      });
    given({ authorHasProfile: true })
      .when({ ...create, createdAt: new Date(now.getTime() + 1) }, alice)
      .rejectedWith('BAD_USER_INPUT', /created_at/);
  });

  it('refuses an existing post id, even of a deleted post', () => {
    given({ authorHasProfile: true, post }).when(create, alice).rejectedWith('POST_EXISTS');
    given({ authorHasProfile: true, post: { ...post, deleted: true } })
      .when(create, alice)
      .rejectedWith('POST_EXISTS');
  });

  it('refuses a post on somebody else’s behalf, and an author without a profile', () => {
    given({ authorHasProfile: true }).when(create, bob).rejectedWith('FORBIDDEN');
    given({ authorHasProfile: false }).when(create, alice).rejectedWith('PROFILE_REQUIRED');
  });

  it('refuses bad input: ids, kind, audience, caption, url, tags', () => {
    const state: PostState = { authorHasProfile: true };
    given(state)
      .when({ ...create, postId: 'not-a-uuid' }, alice)
      .rejectedWith('INVALID_ID');
    given(state)
      .when({ ...create, postId: postId.toUpperCase() }, alice)
      .rejectedWith('INVALID_ID');
    given(state)
      .when({ ...create, kind: undefined }, alice)
      .rejectedWith('BAD_USER_INPUT', /kind/);
    given(state)
      .when({ ...create, audience: undefined }, alice)
      .rejectedWith('BAD_USER_INPUT', /audience/);
    given(state)
      .when({ ...create, caption: 'x'.repeat(2201) }, alice)
      .rejectedWith('BAD_USER_INPUT', /caption/);
    given(state)
      .when({ ...create, url: 'javascript:alert(1)' }, alice)
      .rejectedWith('BAD_USER_INPUT', /url/);
    given(state)
      .when({ ...create, tags: ['no spaces allowed'] }, alice)
      .rejectedWith('BAD_USER_INPUT', /tag/);
  });
});

describe('DeletePost', () => {
  it('deletes the author’s post, saying when it was created', () => {
    given({ post })
      .when({ type: 'DeletePost', postId }, alice)
      .then({ type: 'PostDeleted', postId, authorId: 'alice', createdAt: created });
  });

  it('refuses anyone but the author', () => {
    given({ post }).when({ type: 'DeletePost', postId }, bob).rejectedWith('NOT_POST_AUTHOR');
  });

  it('refuses a missing or already deleted post', () => {
    given({}).when({ type: 'DeletePost', postId }, alice).rejectedWith('POST_NOT_FOUND');
    given({ post: { ...post, deleted: true } })
      .when({ type: 'DeletePost', postId }, alice)
      .rejectedWith('POST_NOT_FOUND');
  });
});

describe('LovePost and UnlovePost', () => {
  it('loves with the absolute count after the love', () => {
    given({ post, loved: false })
      .when({ type: 'LovePost', postId, userId: 'bob' }, bob)
      .then({ type: 'PostLoved', postId, userId: 'bob', loveCount: 5, lovedAt: now });
  });

  it('unloves with the absolute count after the unlove', () => {
    given({ post, loved: true })
      .when({ type: 'UnlovePost', postId, userId: 'bob' }, bob)
      .then({ type: 'PostUnloved', postId, userId: 'bob', loveCount: 3 });
  });

  it('refuses a second love and an unlove without a love', () => {
    given({ post, loved: true }).when({ type: 'LovePost', postId, userId: 'bob' }, bob).rejectedWith('ALREADY_LOVED');
    given({ post, loved: false }).when({ type: 'UnlovePost', postId, userId: 'bob' }, bob).rejectedWith('NOT_LOVED');
  });

  it('refuses a missing or deleted post, and somebody else’s behalf', () => {
    given({ loved: false }).when({ type: 'LovePost', postId, userId: 'bob' }, bob).rejectedWith('POST_NOT_FOUND');
    given({ post: { ...post, deleted: true }, loved: true })
      .when({ type: 'UnlovePost', postId, userId: 'bob' }, bob)
      .rejectedWith('POST_NOT_FOUND');
    given({ post, loved: false }).when({ type: 'LovePost', postId, userId: 'bob' }, alice).rejectedWith('FORBIDDEN');
    given({ post, loved: true }).when({ type: 'UnlovePost', postId, userId: 'bob' }, alice).rejectedWith('FORBIDDEN');
  });
});

describe('CommentOnPost', () => {
  const comment = { type: 'CommentOnPost', postId, commentId, authorId: 'bob', text: ' Lovely! ' } as const;

  it('adds the comment with the absolute comment count', () => {
    given({ post, commentExists: false }).when(comment, bob).then({
      type: 'CommentAdded',
      postId,
      commentId,
      authorId: 'bob',
      text: 'Lovely!',
      createdAt: now,
      commentCount: 3,
    });
  });

  it('refuses a missing post, a reused comment id, bad text, a bad id, and somebody else’s behalf', () => {
    given({ commentExists: false }).when(comment, bob).rejectedWith('POST_NOT_FOUND');
    given({ post, commentExists: true })
      .when(comment, bob)
      .rejectedWith('BAD_USER_INPUT', /already used/);
    given({ post, commentExists: false })
      .when({ ...comment, text: '  ' }, bob)
      .rejectedWith('BAD_USER_INPUT', /text/);
    given({ post, commentExists: false })
      .when({ ...comment, commentId: 'c1' }, bob)
      .rejectedWith('INVALID_ID');
    given({ post, commentExists: false }).when(comment, alice).rejectedWith('FORBIDDEN');
  });
});

describe('the posts aggregate', () => {
  it('is the post, for every command', () => {
    expect(postAggregateId({ type: 'LovePost', postId, userId: 'bob' })).toBe(postId);
    expect(postAggregateId(create)).toBe(postId);
  });
});
