import { create, toBinary } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { describe, expect, it } from 'vitest';

import { eventEnvelope } from '../testing/envelopes.ts';
import { decodeCollectionCommand, decodeCollectionEvent, encodeCollectionEvent } from './collectionCodec.ts';
import type { CollectionEvent } from './collectionModel.ts';

const collectionId = '2d9f9c4a-1f3b-4eac-8b22-3e4f5a6b7c8d';
const at = new Date('2026-03-01T10:00:00.123Z');

describe('collections commands on the wire', () => {
  it('decode into domain commands', () => {
    const bytes = toBinary(
      CollectionCommandSchema,
      create(CollectionCommandSchema, {
        envelope: { commandId: 'c', aggregateId: collectionId, actorId: 'alice' },
        command: { case: 'removeFromCollection', value: { collectionId, postId: 'p' } },
      }),
    );
    expect(decodeCollectionCommand(bytes)).toMatchObject({
      ok: true,
      command: { type: 'RemoveFromCollection', collectionId, postId: 'p' },
    });
  });

  it('are poison without an envelope', () => {
    const bytes = toBinary(
      CollectionCommandSchema,
      create(CollectionCommandSchema, { command: { case: 'addToCollection', value: { collectionId, postId: 'p' } } }),
    );
    expect(decodeCollectionCommand(bytes)).toMatchObject({ ok: false, code: 'MISSING_ENVELOPE' });
  });
});

describe('collections events on the wire', () => {
  const events: CollectionEvent[] = [
    { type: 'CollectionCreated', collectionId, ownerId: 'alice', title: 'T', description: 'D', createdAt: at },
    { type: 'PostAddedToCollection', collectionId, postId: 'p', position: 3, addedAt: at },
    { type: 'PostRemovedFromCollection', collectionId, postId: 'p' },
  ];

  it('round-trip, envelope included, for every event type', () => {
    for (const [index, event] of events.entries()) {
      const recorded = { event, envelope: eventEnvelope(collectionId, index) };
      expect(decodeCollectionEvent(encodeCollectionEvent(recorded))).toEqual(recorded);
    }
  });
});
