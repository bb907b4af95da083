import type cassandra from 'cassandra-driver';

import type { RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import type { CollectionCommand, CollectionEvent, CollectionState } from './collectionModel.ts';

import { WRITE_TIME, writeInOrder, type Statement } from '../writer/orderedWrites.ts';

const PREPARED = { prepare: true } as const;

/** The collections writer's side of Cassandra (collections_sor, collection_items_sor). */
export interface CollectionStore {
  load(command: CollectionCommand): Promise<CollectionState>;
  apply(events: readonly RecordedEvent<CollectionEvent>[]): Promise<void>;
}

export function createCollectionStore(client: cassandra.Client): CollectionStore {
  const collection = async (collectionId: string) => {
    const row = (
      await client.execute('SELECT owner_id, next_position FROM collections_sor WHERE id = ?', [collectionId], PREPARED)
    ).first();
    return row
      ? { ownerId: String(row.get('owner_id') ?? ''), nextPosition: Number(row.get('next_position') ?? 1) }
      : undefined;
  };
  const inCollection = async (collectionId: string, postId: string) =>
    (
      await client.execute(
        'SELECT post_id FROM collection_items_sor WHERE collection_id = ? AND post_id = ?',
        [collectionId, postId],
        PREPARED,
      )
    ).rowLength > 0;
  const postExists = async (postId: string) => {
    const row = (await client.execute('SELECT deleted FROM posts WHERE id = ?', [postId], PREPARED)).first();
    return !!row && row.get('deleted') !== true;
  };
  const hasProfile = async (userId: string) =>
    (await client.execute('SELECT id FROM users WHERE id = ?', [userId], PREPARED)).rowLength > 0;

  const statements = ({ event }: RecordedEvent<CollectionEvent>): Statement[] => {
    switch (event.type) {
      case 'CollectionCreated':
        return [
          {
            query:
              'INSERT INTO collections_sor (id, owner_id, title, description, created_at, next_position) VALUES (?, ?, ?, ?, ?, 1) USING TIMESTAMP ?',
            params: [event.collectionId, event.ownerId, event.title, event.description, event.createdAt, WRITE_TIME],
          },
        ];
      case 'PostAddedToCollection':
        return [
          {
            query:
              'INSERT INTO collection_items_sor (collection_id, post_id, position, added_at) VALUES (?, ?, ?, ?) USING TIMESTAMP ?',
            params: [event.collectionId, event.postId, event.position, event.addedAt, WRITE_TIME],
          },
          {
            query: 'UPDATE collections_sor USING TIMESTAMP ? SET next_position = ? WHERE id = ?',
            params: [WRITE_TIME, event.position + 1, event.collectionId],
          },
        ];
      case 'PostRemovedFromCollection':
        return [
          {
            query: 'DELETE FROM collection_items_sor USING TIMESTAMP ? WHERE collection_id = ? AND post_id = ?',
            params: [WRITE_TIME, event.collectionId, event.postId],
          },
        ];
      default:
        return assertNever(event);
    }
  };

  return {
    async load(command) {
      switch (command.type) {
        case 'CreateCollection': {
          const [existing, ownerHasProfile] = await Promise.all([
            collection(command.collectionId),
            hasProfile(command.ownerId),
          ]);
          return { collection: existing, ownerHasProfile };
        }
        case 'AddToCollection': {
          const [existing, exists, member] = await Promise.all([
            collection(command.collectionId),
            postExists(command.postId),
            inCollection(command.collectionId, command.postId),
          ]);
          return { collection: existing, postExists: exists, inCollection: member };
        }
        case 'RemoveFromCollection': {
          const [existing, member] = await Promise.all([
            collection(command.collectionId),
            inCollection(command.collectionId, command.postId),
          ]);
          return { collection: existing, inCollection: member };
        }
        default:
          return assertNever(command);
      }
    },

    async apply(events) {
      await writeInOrder(client, events.map(statements));
    },
  };
}
