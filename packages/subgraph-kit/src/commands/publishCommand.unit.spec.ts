import { create, toBinary } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import type { MessageProducer, OutgoingRecord } from '@verograph/messaging';
import { continueTrace } from '@verograph/messaging';
import { describe, expect, it } from 'vitest';

import type { CommandToPublish } from './publishCommand.ts';
import { commandFingerprint, FINGERPRINT_HEADER, publishCommand } from './publishCommand.ts';

const createPost = (caption: string, trace = continueTrace(undefined)): CommandToPublish => ({
  topic: 'posts.commands',
  aggregateId: 'p1',
  commandId: 'c1',
  actorId: 'alice',
  trace,
  encode: (envelope) =>
    toBinary(
      PostCommandSchema,
      create(PostCommandSchema, {
        envelope,
        command: { case: 'createPost', value: { postId: 'p1', authorId: 'alice', caption } },
      }),
    ),
});

describe('command fingerprints', () => {
  it('are the same for a resend: another message id, time and trace do not count', async () => {
    const sent: OutgoingRecord[] = [];
    const producer: MessageProducer = { send: async (r) => void sent.push(...r), disconnect: async () => undefined };
    await publishCommand(producer, createPost('Dunes'), new Date(1_000));
    await publishCommand(
      producer,
      createPost('Dunes', continueTrace('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')),
      new Date(2_000),
    );
    expect(sent[0]!.value).not.toEqual(sent[1]!.value);
    expect(sent[0]!.headers?.[FINGERPRINT_HEADER]).toBe(commandFingerprint(createPost('Dunes')));
    expect(sent[1]!.headers?.[FINGERPRINT_HEADER]).toBe(sent[0]!.headers?.[FINGERPRINT_HEADER]);
  });

  it('differ when the command asks something else', () => {
    expect(commandFingerprint(createPost('Something else'))).not.toBe(commandFingerprint(createPost('Dunes')));
  });
});
