import type pg from 'pg';

import { unreachable } from '../events/projectedEvent.ts';
import type { CollectionsOp } from './collectionsPlan.ts';

/** The collections projector's PostgreSQL edge. */
export interface CollectionsStore {
  /** Applies one event's operations in one transaction: all of them or none. */
  apply(ops: readonly CollectionsOp[]): Promise<void>;
  /** Empties every table the projector owns (a rebuild starts from nothing). */
  clear(): Promise<void>;
}

/** A foreign key says an item's collection is missing: a broken stream, not a passing failure. */
export class MissingCollectionError extends Error {
  override readonly name = 'MissingCollectionError';
  readonly code = 'COLLECTION_NOT_PROJECTED';
}

/** The tables are found on the pool's search path (a schema of their own in specs). */
export function createCollectionsStore(pool: pg.Pool): CollectionsStore {
  const t = (table: string) => table;

  const statement = (op: CollectionsOp): { text: string; values: unknown[] } => {
    switch (op.op) {
      case 'upsertCollection':
        // updated_at only moves forward, so a replayed creation does not undo later item changes.
        return {
          text: `INSERT INTO ${t('collections')} (id, owner_id, title, description, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id, title = EXCLUDED.title,
                   description = EXCLUDED.description, created_at = EXCLUDED.created_at,
                   updated_at = GREATEST(${t('collections')}.updated_at, EXCLUDED.updated_at)`,
          values: [op.id, op.ownerId, op.title, op.description, op.createdAt],
        };
      case 'upsertItem':
        return {
          text: `WITH item AS (
                   INSERT INTO ${t('collection_items')} (collection_id, post_id, position, added_at)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (collection_id, post_id) DO UPDATE SET position = EXCLUDED.position, added_at = EXCLUDED.added_at
                 )
                 UPDATE ${t('collections')} SET updated_at = GREATEST(updated_at, $4) WHERE id = $1`,
          values: [op.collectionId, op.postId, op.position.toString(), op.addedAt],
        };
      case 'deleteItem':
        return {
          text: `WITH item AS (DELETE FROM ${t('collection_items')} WHERE collection_id = $1 AND post_id = $2)
                 UPDATE ${t('collections')} SET updated_at = GREATEST(updated_at, $3) WHERE id = $1`,
          values: [op.collectionId, op.postId, op.at],
        };
      case 'upsertPostAudience':
        // A deleted post stays deleted even if its creation is replayed.
        return {
          text: `INSERT INTO ${t('post_audiences')} (post_id, author_id, audience, deleted) VALUES ($1, $2, $3, false)
                 ON CONFLICT (post_id) DO UPDATE SET author_id = EXCLUDED.author_id, audience = EXCLUDED.audience`,
          values: [op.postId, op.authorId, op.audience],
        };
      case 'markPostDeleted':
        // Without a row yet (the post's creation never reached us), the narrowest audience is recorded.
        return {
          text: `INSERT INTO ${t('post_audiences')} (post_id, author_id, audience, deleted) VALUES ($1, $2, 'CLOSE_FRIENDS', true)
                 ON CONFLICT (post_id) DO UPDATE SET deleted = true`,
          values: [op.postId, op.authorId],
        };
      case 'setGrant': {
        const sets: string[] = [];
        const values: unknown[] = [op.authorId, op.viewerId];
        if (op.follows !== undefined) {
          values.push(op.follows);
          sets.push(`follows = $${values.length}`);
        }
        if (op.level !== undefined) {
          values.push(op.level);
          sets.push(`level = $${values.length}`);
        }
        if (op.onlyIfConnected) {
          // Refiling an existing connection only: never creates one.
          return {
            text: `UPDATE ${t('audience_grants')} SET ${sets.join(', ')}
                   WHERE author_id = $1 AND viewer_id = $2 AND level IS NOT NULL`,
            values,
          };
        }
        const columns = ['author_id', 'viewer_id'];
        if (op.follows !== undefined) columns.push('follows');
        if (op.level !== undefined) columns.push('level');
        return {
          text: `INSERT INTO ${t('audience_grants')} (${columns.join(', ')})
                 VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
                 ON CONFLICT (author_id, viewer_id) DO UPDATE SET ${sets.join(', ')}`,
          values,
        };
      }
      default:
        return unreachable(op);
    }
  };

  return {
    async apply(ops) {
      if (ops.length === 0) return;
      const client = await pool.connect();
      // A checked-out client is not covered by the pool's error listener: PostgreSQL going away
      // mid-transaction ('terminating connection') would be an unhandled 'error' event and kill
      // the process. The query in flight fails anyway, and the broken client is not reused.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        for (const op of ops) await client.query(statement(op));
        // A grant that admits nothing (not following, not connected) is not kept.
        const grants = ops.filter((op) => op.op === 'setGrant');
        for (const g of grants) {
          await client.query(
            `DELETE FROM ${t('audience_grants')} WHERE author_id = $1 AND viewer_id = $2 AND follows = false AND level IS NULL`,
            [g.authorId, g.viewerId],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((error as { code?: string }).code === '23503') {
          throw new MissingCollectionError(`an item's collection was never created: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },

    async clear() {
      await pool.query(
        `TRUNCATE ${t('collection_items')}, ${t('collections')}, ${t('post_audiences')}, ${t('audience_grants')}`,
      );
    },
  };
}
