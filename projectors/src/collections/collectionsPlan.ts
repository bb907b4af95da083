import type { Audience, ConnectionLevel } from '@verograph/domain';

import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { audienceOf, dateOf, InvalidEventError, occurredAt, required } from '../events/projectedEvent.ts';
import { relationChanges } from '../events/relationChanges.ts';

/**
 * The row operations one event asks of the collections read model, applied together in one
 * transaction. Each is an upsert keyed by natural ids or an idempotent delete, carrying the
 * event's own values and times (never the clock), so replaying gives the same rows.
 */
export type CollectionsOp =
  | {
      readonly op: 'upsertCollection';
      readonly id: string;
      readonly ownerId: string;
      readonly title: string;
      readonly description: string;
      readonly createdAt: Date;
    }
  | {
      readonly op: 'upsertItem';
      readonly collectionId: string;
      readonly postId: string;
      readonly position: bigint;
      readonly addedAt: Date;
    }
  | { readonly op: 'deleteItem'; readonly collectionId: string; readonly postId: string; readonly at: Date }
  | {
      readonly op: 'upsertPostAudience';
      readonly postId: string;
      readonly authorId: string;
      readonly audience: Audience;
    }
  | { readonly op: 'markPostDeleted'; readonly postId: string; readonly authorId: string }
  | {
      readonly op: 'setGrant';
      readonly authorId: string;
      readonly viewerId: string;
      readonly follows?: boolean;
      /** How the author files the viewer; null when not connected. */
      readonly level?: ConnectionLevel | null;
      readonly onlyIfConnected?: boolean;
    };

export function collectionsOpsFor(projected: ProjectedEvent): CollectionsOp[] {
  switch (projected.stream) {
    case 'collections': {
      const body = projected.event.event;
      switch (body.case) {
        case 'collectionCreated': {
          const createdAt = dateOf(body.value.createdAt);
          if (!createdAt) throw new InvalidEventError('CollectionCreated.created_at is missing');
          return [
            {
              op: 'upsertCollection',
              id: required(body.value.collectionId, 'CollectionCreated.collection_id'),
              ownerId: required(body.value.ownerId, 'CollectionCreated.owner_id'),
              title: body.value.title,
              description: body.value.description,
              createdAt,
            },
          ];
        }
        case 'postAddedToCollection':
          return [
            {
              op: 'upsertItem',
              collectionId: required(body.value.collectionId, 'PostAddedToCollection.collection_id'),
              postId: required(body.value.postId, 'PostAddedToCollection.post_id'),
              position: body.value.position,
              addedAt: dateOf(body.value.addedAt) ?? occurredAt(projected),
            },
          ];
        case 'postRemovedFromCollection':
          return [
            {
              op: 'deleteItem',
              collectionId: required(body.value.collectionId, 'PostRemovedFromCollection.collection_id'),
              postId: required(body.value.postId, 'PostRemovedFromCollection.post_id'),
              at: occurredAt(projected),
            },
          ];
        case undefined:
          return [];
        default:
          return unhandled(body);
      }
    }
    case 'posts': {
      const body = projected.event.event;
      if (body.case === 'postCreated') {
        return [
          {
            op: 'upsertPostAudience',
            postId: required(body.value.postId, 'PostCreated.post_id'),
            authorId: required(body.value.authorId, 'PostCreated.author_id'),
            audience: audienceOf(body.value.audience, 'PostCreated'),
          },
        ];
      }
      if (body.case === 'postDeleted') {
        return [
          {
            op: 'markPostDeleted',
            postId: required(body.value.postId, 'PostDeleted.post_id'),
            authorId: required(body.value.authorId, 'PostDeleted.author_id'),
          },
        ];
      }
      return [];
    }
    case 'users':
      return relationChanges(projected.event).map((change) => ({ op: 'setGrant', ...change }));
  }
}

function unhandled(body: never): never {
  throw new Error(`collectionsOpsFor: unhandled collections event ${JSON.stringify(body)}`);
}
