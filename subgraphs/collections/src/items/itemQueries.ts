import { visibleToViewerSql } from '../audience/visibleToViewerSql.ts';
import type { ItemKey } from './itemCursor.ts';

/** One statement, ready for `pg`. */
export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * The items of a collection that a viewer may see: the item's post must be projected and not
 * deleted, and the author's grant to the viewer (if any) must admit its audience. A post the
 * projector has not seen yet is left out, like one that does not exist.
 */
function visibleItemsFrom(viewerParam: string): string {
  return `collection_items ci
    JOIN post_audiences pa ON pa.post_id = ci.post_id AND NOT pa.deleted
    LEFT JOIN audience_grants g ON g.author_id = pa.author_id AND g.viewer_id = ${viewerParam}`;
}

const visible = (viewerParam: string) => visibleToViewerSql({ post: 'pa', grant: 'g', viewer: viewerParam });

/**
 * One page of visible items for each of several collections (one round trip for every
 * `Collection.posts` of a gateway fetch), in the owner's order, strictly after `after`.
 * Rows: collection_id, post_id, position (bigint as text).
 */
export function visibleItemPagesSql(
  collectionIds: readonly string[],
  viewerId: string,
  after: ItemKey | undefined,
  limit: number,
): SqlStatement {
  const values: unknown[] = [[...collectionIds], viewerId, limit];
  let resume = '';
  if (after !== undefined) {
    values.push(after.position, after.postId);
    resume = 'AND (ci.position, ci.post_id) > ($4::bigint, $5::text)';
  }
  return {
    text: `SELECT c.id AS collection_id, v.post_id, v.position::text AS position
  FROM unnest($1::text[]) AS c(id)
  CROSS JOIN LATERAL (
    SELECT ci.post_id, ci.position
      FROM ${visibleItemsFrom('$2')}
     WHERE ci.collection_id = c.id ${resume}
       AND ${visible('$2')}
     ORDER BY ci.position, ci.post_id
     LIMIT $3
  ) v`,
    values,
  };
}

/** How many items of each collection a viewer may see. Rows: collection_id, n. */
export function visibleItemCountsSql(collectionIds: readonly string[], viewerId: string): SqlStatement {
  return {
    text: `SELECT ci.collection_id, count(*)::int AS n
  FROM ${visibleItemsFrom('$2')}
 WHERE ci.collection_id = ANY($1::text[])
   AND ${visible('$2')}
 GROUP BY ci.collection_id`,
    values: [[...collectionIds], viewerId],
  };
}

/** Whether a post exists, is not deleted and the viewer may see it. Rows: one, or none. */
export function postVisibleSql(postId: string, viewerId: string): SqlStatement {
  return {
    text: `SELECT pa.post_id
  FROM post_audiences pa
  LEFT JOIN audience_grants g ON g.author_id = pa.author_id AND g.viewer_id = $2
 WHERE pa.post_id = $1 AND NOT pa.deleted
   AND ${visible('$2')}`,
    values: [postId, viewerId],
  };
}
