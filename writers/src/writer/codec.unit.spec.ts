import { create, toBinary } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { describe, expect, it } from 'vitest';

import { eventEnvelope } from '../testing/envelopes.ts';
import { commandDecoder, eventDecoder, eventEncoder, type EventInit } from './codec.ts';

/** The frame alone: each case maps to its name, so whatever reaches the mapping is visible. */
const decodeCommand = commandDecoder(PostCommandSchema, (command) => command.case);
const encodeEvent = eventEncoder(PostEventSchema, (postId: string): EventInit<typeof PostEventSchema> => ({
  case: 'postDeleted',
  value: { postId },
}));
const decodeEvent = eventDecoder(PostEventSchema, 'posts', (event) => event.case);
const envelope = { commandId: 'c', aggregateId: 'p', actorId: 'alice' };

describe('the command frame', () => {
  it('gives the mapping the set case, with the envelope as the command meta', () => {
    const bytes = toBinary(
      PostCommandSchema,
      create(PostCommandSchema, { envelope, command: { case: 'deletePost', value: { postId: 'p' } } }),
    );
    expect(decodeCommand(bytes)).toEqual({
      ok: true,
      meta: { commandId: 'c', aggregateId: 'p', actorId: 'alice' },
      command: 'deletePost',
    });
  });

  it('answers poison for bytes that do not parse, no envelope, and no command', () => {
    expect(decodeCommand(new Uint8Array([0xff, 0xff]))).toMatchObject({ ok: false, code: 'UNDECODABLE' });
    const noEnvelope = create(PostCommandSchema, { command: { case: 'deletePost', value: { postId: 'p' } } });
    expect(decodeCommand(toBinary(PostCommandSchema, noEnvelope))).toMatchObject({
      ok: false,
      code: 'MISSING_ENVELOPE',
    });
    expect(decodeCommand(toBinary(PostCommandSchema, create(PostCommandSchema, { envelope })))).toEqual({
      ok: false,
      code: 'UNKNOWN_COMMAND',
      reason: 'the PostCommand names no command this writer knows',
    });
  });
});

describe('the event frame', () => {
  it('reads back what it wrote, envelope and all', () => {
    const recorded = { event: 'p', envelope: eventEnvelope('p') };
    expect(decodeEvent(encodeEvent(recorded))).toEqual({ event: 'postDeleted', envelope: recorded.envelope });
  });

  it('throws for a recorded event that does not decode or names no event: the writer wrote neither', () => {
    expect(() => decodeEvent(new Uint8Array([0xff, 0xff]))).toThrow(/a recorded posts event does not decode/);
    const none = toBinary(PostEventSchema, create(PostEventSchema, { envelope }));
    expect(() => decodeEvent(none)).toThrow('a recorded posts event names no event');
  });
});
