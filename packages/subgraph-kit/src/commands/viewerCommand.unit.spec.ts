import { describe, expect, it } from 'vitest';

import { continueTrace } from '@verograph/messaging';

import type { CommandBus, CommandRights, CommandResult } from './commandBus.ts';
import type { CommandToPublish } from './publishCommand.ts';
import { sendViewerCommand, type CommandServices, type ViewerCommand } from './viewerCommand.ts';

/** A bus that answers APPLIED and keeps what it was given: the derivation is what is under test here. */
function recordingBus() {
  const sent: { command: CommandToPublish; rights: CommandRights | undefined }[] = [];
  const bus: CommandBus = {
    waitMs: 2_000,
    async dispatch(command, rights) {
      sent.push({ command, rights });
      const result: CommandResult = {
        commandId: command.commandId,
        status: 'APPLIED',
        reason: null,
        decidedAt: new Date(),
        replayed: false,
      };
      return result;
    },
  };
  return { bus, sent };
}

const viewer = (viewerId: string | undefined, idempotencyKey?: string) => ({
  viewerId,
  idempotencyKey,
  trace: continueTrace(undefined),
});

const command: ViewerCommand = {
  mutation: 'lovePost',
  scope: ['post-1'],
  clientMutationId: undefined,
  signInTo: 'love a post',
  aggregateId: () => 'post-1',
  encode: (_envelope, ids) => new TextEncoder().encode(JSON.stringify(ids)),
};

describe('sendViewerCommand', () => {
  it('refuses an anonymous viewer with UNAUTHENTICATED before anything is sent', async () => {
    const { bus, sent } = recordingBus();
    const services: CommandServices = { bus, idSecret: 'a-secret', commandsTopic: 'posts.commands' };
    await expect(sendViewerCommand(viewer(undefined), services, command)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Sign in to love a post.',
    });
    expect(sent).toHaveLength(0);
  });

  it('derives one command id for a resend with the same key, keyed by its aggregate on the subgraph topic', async () => {
    const { bus, sent } = recordingBus();
    const services: CommandServices = { bus, idSecret: 'a-secret', commandsTopic: 'posts.commands' };
    const first = await sendViewerCommand(viewer('alice', 'k1'), services, command);
    const again = await sendViewerCommand(viewer('alice'), services, { ...command, clientMutationId: 'k1' });
    expect(again.commandId).toBe(first.commandId);
    expect(first).toMatchObject({ viewerId: 'alice', aggregateId: 'post-1', result: { status: 'APPLIED' } });
    expect(sent[0]!.command).toMatchObject({
      topic: 'posts.commands',
      aggregateId: 'post-1',
      actorId: 'alice',
      resendable: true,
    });
    const encoded = JSON.parse(new TextDecoder().decode(sent[0]!.command.encode({} as never)));
    expect(encoded).toEqual({ viewerId: 'alice', commandId: first.commandId, aggregateId: 'post-1' });
  });

  it('sends a fresh command without a key as not resendable, and passes the rights with the viewer', async () => {
    const { bus, sent } = recordingBus();
    const services: CommandServices = { bus, idSecret: 'a-secret', commandsTopic: 'posts.commands' };
    const checked: string[] = [];
    await sendViewerCommand(viewer('alice'), services, {
      ...command,
      aggregateId: ({ commandId }) => `created-from-${commandId}`,
      check: async (viewerId) => void checked.push(viewerId),
    });
    const [{ command: published, rights }] = sent as [(typeof sent)[number]];
    expect(published.resendable).toBe(false);
    expect(published.aggregateId).toBe(`created-from-${published.commandId}`);
    expect(rights?.sees).toBeUndefined();
    await rights?.check?.();
    expect(checked).toEqual(['alice']);
  });
});
