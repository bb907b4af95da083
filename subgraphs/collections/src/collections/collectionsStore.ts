import type { Logger } from '@verograph/service';

import type { SqlClient } from '../store/postgres.ts';
import { queryRows } from '../store/postgres.ts';
import type { CollectionKey } from './collectionCursor.ts';

/** A collection as the collections projector wrote it. */
export interface CollectionRow {
  readonly __typename: 'Collection';
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly description: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** `created_at` in microseconds since the epoch: the key of `User.collections` pages. */
  readonly createdMicros: number;
}

/** Reads of `collections`; each call is one round trip. */
export interface CollectionsStore {
  collectionsByIds(ids: readonly string[]): Promise<Map<string, CollectionRow>>;
  /** Up to `limit` of the owner's collections, newest first, strictly after `after`. */
  ownerCollections(ownerId: string, after: CollectionKey | undefined, limit: number): Promise<CollectionRow[]>;
}

interface CollectionDbRow {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  created_at: Date;
  updated_at: Date;
  created_us: string;
}

const COLUMNS = `id, owner_id, title, description, created_at, updated_at,
  (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us`;

/** `User.collections`, newest first; the row comparison walks the index `collections_by_owner`. */
export function ownerCollectionsSql(
  ownerId: string,
  after: CollectionKey | undefined,
  limit: number,
): { text: string; values: unknown[] } {
  if (after === undefined) {
    return {
      text: `SELECT ${COLUMNS} FROM collections WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      values: [ownerId, limit],
    };
  }
  return {
    // The cursor's microseconds become a timestamptz exactly (no float seconds on the way).
    text: `SELECT ${COLUMNS} FROM collections
            WHERE owner_id = $1
              AND (created_at, id) < (TIMESTAMPTZ 'epoch' + $3::bigint * INTERVAL '1 microsecond', $4::text)
            ORDER BY created_at DESC, id DESC LIMIT $2`,
    values: [ownerId, limit, String(after.us), after.id],
  };
}

function collectionOf(row: CollectionDbRow): CollectionRow {
  return {
    __typename: 'Collection',
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdMicros: Number(row.created_us),
  };
}

export function createCollectionsStore(client: SqlClient, logger?: Logger): CollectionsStore {
  return {
    async collectionsByIds(ids) {
      const rows = await queryRows<CollectionDbRow>(
        client,
        `SELECT ${COLUMNS} FROM collections WHERE id = ANY($1::text[])`,
        [[...ids]],
        logger,
      );
      return new Map(rows.map((row) => [row.id, collectionOf(row)]));
    },

    async ownerCollections(ownerId, after, limit) {
      const { text, values } = ownerCollectionsSql(ownerId, after, limit);
      return (await queryRows<CollectionDbRow>(client, text, values, logger)).map(collectionOf);
    },
  };
}
