import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostKind, type Audience } from '@verograph/contracts/posts/v1/posts';
import { describe, expect, it } from 'vitest';

import { eventEnvelope } from '../testing/envelopes.ts';
import { decodePostCommand, decodePostEvent, encodePostEvent } from './postCodec.ts';
import type { PostEvent } from './postModel.ts';

const postId = '0b7e7a2e-9d1f-4c8a-8f00-1c2d3e4f5a6b';
const at = new Date('2026-03-01T10:00:00.123Z');

describe('posts commands on the wire', () => {
  it('decode kinds and audiences by name, unknown values as missing', () => {
    const bytes = toBinary(
      PostCommandSchema,
      create(PostCommandSchema, {
        envelope: { commandId: 'c', aggregateId: postId, actorId: 'alice' },
        command: {
          case: 'createPost',
          value: { postId, authorId: 'alice', kind: PostKind.MUSIC, audience: 99 as Audience, tags: ['a'] },
        },
      }),
    );
    expect(decodePostCommand(bytes)).toMatchObject({
      ok: true,
      command: { type: 'CreatePost', kind: 'MUSIC', audience: undefined, tags: ['a'] },
    });
  });

  it('carry a trusted creation time when one is set, and none otherwise', () => {
    const encode = (createdAt?: Date) =>
      toBinary(
        PostCommandSchema,
        create(PostCommandSchema, {
          envelope: { commandId: 'c', aggregateId: postId, actorId: 'alice' },
          command: {
            case: 'createPost',
            value: { postId, authorId: 'alice', ...(createdAt ? { createdAt: timestampFromDate(createdAt) } : {}) },
          },
        }),
      );
    expect(decodePostCommand(encode(at))).toMatchObject({ ok: true, command: { createdAt: at } });
    const decoded = decodePostCommand(encode());
    expect(decoded.ok && 'createdAt' in decoded.command).toBe(false);
  });

  it('are poison when they name no command', () => {
    const bytes = toBinary(PostCommandSchema, create(PostCommandSchema, { envelope: { commandId: 'c' } }));
    expect(decodePostCommand(bytes)).toMatchObject({ ok: false, code: 'UNKNOWN_COMMAND' });
  });
});

describe('posts events on the wire', () => {
  const events: PostEvent[] = [
    {
      type: 'PostCreated',
      postId,
      authorId: 'alice',
      kind: 'TEXT',
      audience: 'FOLLOWERS',
      caption: 'hi',
      url: '',
      tags: ['x', 'y'],
      createdAt: at,
    },
    { type: 'PostDeleted', postId, authorId: 'alice', createdAt: at },
    { type: 'PostLoved', postId, userId: 'bob', loveCount: 12, lovedAt: at },
    { type: 'PostUnloved', postId, userId: 'bob', loveCount: 11 },
    { type: 'CommentAdded', postId, commentId: 'c', authorId: 'bob', text: 'nice', createdAt: at, commentCount: 3 },
  ];

  it('round-trip, envelope included, for every event type', () => {
    for (const [index, event] of events.entries()) {
      const recorded = { event, envelope: eventEnvelope(postId, index) };
      expect(decodePostEvent(encodePostEvent(recorded))).toEqual(recorded);
    }
  });
});
