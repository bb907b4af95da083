import type cassandra from 'cassandra-driver';
import { LRUCache } from 'lru-cache';

import type { RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import { WRITE_TIME, writeInOrder, type Statement } from '../writer/orderedWrites.ts';
import { evolvePostRecord } from './evolvePost.ts';
import type { PostCommand, PostEvent, PostRecord, PostState } from './postModel.ts';

const PREPARED = { prepare: true } as const;

/** The posts writer's side of Cassandra: what it reads to decide, and how events land. */
export interface PostStore {
  load(command: PostCommand): Promise<PostState>;
  apply(events: readonly RecordedEvent<PostEvent>[]): Promise<void>;
  /** Drops the posts kept in memory (see `createPostStore`). */
  forget(): void;
}

/** How many posts the store keeps in memory; the least recently used go first. */
const CACHED_POSTS = 50_000;

/**
 * The posts writer's store. It keeps the post rows it read or wrote in memory: while this
 * writer owns a post's partition, it alone writes that row (see the README on fencing), so the
 * row in memory is the row in Cassandra and a command on a known post reads one row fewer. The
 * writer calls `forget` whenever its partitions may have moved, or a batch failed midway.
 */
export function createPostStore(client: cassandra.Client): PostStore {
  const exists = async (query: string, params: unknown[]) =>
    (await client.execute(query, params, PREPARED)).rowLength > 0;

  const cached = new LRUCache<string, PostRecord>({ max: CACHED_POSTS });
  const remember = (postId: string, record: PostRecord | undefined) => {
    if (record) cached.set(postId, record);
    else cached.delete(postId);
  };
  // The commands of one batch load at once: a post many of them name is read once.
  const reading = new Map<string, Promise<PostRecord | undefined>>();
  const post = async (postId: string): Promise<PostRecord | undefined> => {
    const known = cached.get(postId);
    if (known) return known;
    let pending = reading.get(postId);
    if (!pending) {
      pending = read(postId).finally(() => reading.delete(postId));
      reading.set(postId, pending);
    }
    const record = await pending;
    if (record && !cached.has(postId)) remember(postId, record);
    return record;
  };
  const read = async (postId: string): Promise<PostRecord | undefined> => {
    const row = (
      await client.execute(
        'SELECT author_id, created_at, deleted, love_count, comment_count FROM posts WHERE id = ?',
        [postId],
        PREPARED,
      )
    ).first();
    if (!row) return undefined;
    return {
      authorId: String(row.get('author_id') ?? ''),
      createdAt: row.get('created_at') as Date,
      deleted: row.get('deleted') === true,
      loveCount: Number(row.get('love_count') ?? 0),
      commentCount: Number(row.get('comment_count') ?? 0),
    };
  };

  const statements = ({ event }: RecordedEvent<PostEvent>): Statement[] => {
    switch (event.type) {
      case 'PostCreated':
        return [
          {
            query:
              'INSERT INTO posts (id, author_id, kind, audience, caption, url, tags, created_at, deleted, love_count, comment_count) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?, ?, false, 0, 0) USING TIMESTAMP ?',
            params: [
              event.postId,
              event.authorId,
              event.kind,
              event.audience,
              event.caption,
              event.url,
              [...event.tags],
              event.createdAt,
              WRITE_TIME,
            ],
          },
          {
            query:
              'INSERT INTO posts_by_author (author_id, created_at, post_id, kind, audience) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?',
            params: [event.authorId, event.createdAt, event.postId, event.kind, event.audience, WRITE_TIME],
          },
        ];
      case 'PostDeleted':
        // The post row stays, marked: its id can never be reused, and late commands find it.
        return [
          {
            query: 'UPDATE posts USING TIMESTAMP ? SET deleted = true WHERE id = ?',
            params: [WRITE_TIME, event.postId],
          },
          {
            query:
              'DELETE FROM posts_by_author USING TIMESTAMP ? WHERE author_id = ? AND created_at = ? AND post_id = ?',
            params: [WRITE_TIME, event.authorId, event.createdAt, event.postId],
          },
        ];
      case 'PostLoved':
        return [
          {
            query: 'INSERT INTO post_loves (post_id, user_id, created_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
            params: [event.postId, event.userId, event.lovedAt, WRITE_TIME],
          },
          {
            query: 'INSERT INTO loves_by_user (user_id, post_id, loved_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
            params: [event.userId, event.postId, event.lovedAt, WRITE_TIME],
          },
          {
            query: 'UPDATE posts USING TIMESTAMP ? SET love_count = ? WHERE id = ?',
            params: [WRITE_TIME, event.loveCount, event.postId],
          },
        ];
      case 'PostUnloved':
        return [
          {
            query: 'DELETE FROM post_loves USING TIMESTAMP ? WHERE post_id = ? AND user_id = ?',
            params: [WRITE_TIME, event.postId, event.userId],
          },
          {
            query: 'DELETE FROM loves_by_user USING TIMESTAMP ? WHERE user_id = ? AND post_id = ?',
            params: [WRITE_TIME, event.userId, event.postId],
          },
          {
            query: 'UPDATE posts USING TIMESTAMP ? SET love_count = ? WHERE id = ?',
            params: [WRITE_TIME, event.loveCount, event.postId],
          },
        ];
      case 'CommentAdded':
        return [
          {
            query:
              'INSERT INTO comments (id, post_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?',
            params: [event.commentId, event.postId, event.authorId, event.text, event.createdAt, WRITE_TIME],
          },
          {
            query:
              'INSERT INTO comments_by_post (post_id, created_at, comment_id, author_id, text) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?',
            params: [event.postId, event.createdAt, event.commentId, event.authorId, event.text, WRITE_TIME],
          },
          {
            query: 'UPDATE posts USING TIMESTAMP ? SET comment_count = ?, latest_comment_id = ? WHERE id = ?',
            params: [WRITE_TIME, event.commentCount, event.commentId, event.postId],
          },
        ];
      default:
        return assertNever(event);
    }
  };

  return {
    async load(command) {
      switch (command.type) {
        case 'CreatePost': {
          const [existing, authorHasProfile] = await Promise.all([
            post(command.postId),
            exists('SELECT id FROM users WHERE id = ?', [command.authorId]),
          ]);
          return { post: existing, authorHasProfile };
        }
        case 'DeletePost':
          return { post: await post(command.postId) };
        case 'LovePost':
        case 'UnlovePost': {
          const [existing, loved] = await Promise.all([
            post(command.postId),
            exists('SELECT user_id FROM post_loves WHERE post_id = ? AND user_id = ?', [
              command.postId,
              command.userId,
            ]),
          ]);
          return { post: existing, loved };
        }
        case 'CommentOnPost': {
          const [existing, commentExists] = await Promise.all([
            post(command.postId),
            exists('SELECT id FROM comments WHERE id = ?', [command.commentId]),
          ]);
          return { post: existing, commentExists };
        }
        default:
          return assertNever(command);
      }
    },

    forget() {
      cached.clear();
    },
    async apply(events) {
      await writeInOrder(client, events.map(statements));
      for (const { event } of events) remember(event.postId, evolvePostRecord(cached.get(event.postId), event));
    },
  };
}
