import type { Logger } from '@verograph/service';

import type { SqlClient } from '../store/postgres.ts';
import { queryRows } from '../store/postgres.ts';
import type { ItemKey } from './itemCursor.ts';
import { postVisibleSql, visibleItemCountsSql, visibleItemPagesSql } from './itemQueries.ts';

/** An item of a collection that a viewer may see. */
export interface VisibleItem {
  readonly collectionId: string;
  readonly postId: string;
  /** The owner's order (a bigint, as its decimal string). */
  readonly position: string;
}

/** The viewer-filtered reads of `collection_items`; each call is one round trip. */
export interface CollectionItemsStore {
  /** Up to `limit` visible items of each collection, after `after`, in the owner's order. */
  visiblePages(
    collectionIds: readonly string[],
    viewerId: string,
    after: ItemKey | undefined,
    limit: number,
  ): Promise<Map<string, VisibleItem[]>>;
  /** How many items of each collection the viewer may see (absent: none). */
  visibleCounts(collectionIds: readonly string[], viewerId: string): Promise<Map<string, number>>;
  /** Whether the viewer may see the post (it exists, is not deleted, and its audience admits them). */
  postVisibleTo(postId: string, viewerId: string): Promise<boolean>;
  /** Whether the post is in the collection, whoever may see it. */
  contains(collectionId: string, postId: string): Promise<boolean>;
}

export function createCollectionItemsStore(client: SqlClient, logger?: Logger): CollectionItemsStore {
  return {
    async visiblePages(collectionIds, viewerId, after, limit) {
      const { text, values } = visibleItemPagesSql(collectionIds, viewerId, after, limit);
      const rows = await queryRows<{ collection_id: string; post_id: string; position: string }>(
        client,
        text,
        values,
        logger,
      );
      const pages = new Map<string, VisibleItem[]>();
      for (const row of rows) {
        const page = pages.get(row.collection_id) ?? [];
        page.push({ collectionId: row.collection_id, postId: row.post_id, position: row.position });
        pages.set(row.collection_id, page);
      }
      return pages;
    },

    async visibleCounts(collectionIds, viewerId) {
      const { text, values } = visibleItemCountsSql(collectionIds, viewerId);
      const rows = await queryRows<{ collection_id: string; n: number }>(client, text, values, logger);
      return new Map(rows.map((row) => [row.collection_id, row.n]));
    },

    async postVisibleTo(postId, viewerId) {
      const { text, values } = postVisibleSql(postId, viewerId);
      return (await queryRows(client, text, values, logger)).length > 0;
    },

    async contains(collectionId, postId) {
      const rows = await queryRows(
        client,
        'SELECT 1 FROM collection_items WHERE collection_id = $1 AND post_id = $2',
        [collectionId, postId],
        logger,
      );
      return rows.length > 0;
    },
  };
}
