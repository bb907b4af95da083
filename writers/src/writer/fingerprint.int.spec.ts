import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { createProducer, type MessageProducer } from '@verograph/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

/**
 * Issue 12, item 12: the subgraph fingerprints what a command asks (header
 * `command-fingerprint`) and the writer keeps it with its decision, so a later request under
 * the same command id that asks something else can be told from a resend.
 */
let h: WriterHarness;
let producer: MessageProducer;

beforeAll(async () => {
  h = await startWriterHarness(['users']);
  producer = await createProducer(h.kafka);
});

afterAll(async () => {
  await producer?.disconnect();
  await h?.stop();
});

async function recordedFingerprint(commandId: string): Promise<unknown> {
  const row = (
    await h.cassandra.execute('SELECT payload_fingerprint FROM command_outcomes WHERE command_id = ?', [commandId], {
      prepare: true,
    })
  ).first();
  return row?.get('payload_fingerprint');
}

/** A createProfile command record, as a subgraph publishes it, with the given fingerprint header. */
async function sendCreateProfile(commandId: string, user: { id: string; username: string }, fingerprint?: string) {
  const value = toBinary(
    UserCommandSchema,
    create(UserCommandSchema, {
      envelope: { commandId, aggregateId: user.id, actorId: user.id },
      command: {
        case: 'createProfile',
        value: { userId: user.id, profile: { username: user.username, displayName: 'Fingerprinted' } },
      },
    }),
  );
  await producer.send([
    {
      topic: h.topics.usersCommands,
      key: user.id,
      value,
      headers: fingerprint === undefined ? {} : { 'command-fingerprint': fingerprint },
    },
  ]);
}

describe('the decision log keeps what each command asked', () => {
  it('given a command with a fingerprint header, when decided, then its row holds the fingerprint, and a redelivery with another one changes nothing', async () => {
    const user = newUser('fp');
    const commandId = randomUUID();
    await sendCreateProfile(commandId, user, 'fingerprint-of-the-first-request');
    await h.applied({ commandId });
    expect(await recordedFingerprint(commandId)).toBe('fingerprint-of-the-first-request');
    // The outcome names it too, for a mutation that waits on the outcomes topic.
    const outcomeRecord = await h.watch.until('the outcome record', (all) =>
      all.find((r) => r.topic === h.topics.outcomes && r.message.key?.toString() === commandId),
    );
    expect(outcomeRecord.message.headers?.['command-fingerprint']?.toString()).toBe('fingerprint-of-the-first-request');

    await sendCreateProfile(commandId, user, 'fingerprint-of-another-request');
    await h.watch.until('the redelivery answered', () => (h.outcomes({ commandId }).length >= 2 ? true : undefined));
    expect(await recordedFingerprint(commandId)).toBe('fingerprint-of-the-first-request');
  });

  it('given a command without the header (an older publisher), then its row holds no fingerprint', async () => {
    const user = newUser('nofp');
    const commandId = randomUUID();
    await sendCreateProfile(commandId, user);
    await h.applied({ commandId });
    expect(await recordedFingerprint(commandId)).toBe('');
  });
});
