import type cassandra from 'cassandra-driver';

import type { RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import type { PostCommand, PostEvent, PostRecord, PostState } from './postModel.ts';

type Statement = { query: string; params: unknown[] };

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

/** A post row as an event leaves it, from the row before it (undefined: not known in memory). */
function evolvePost(post: PostRecord | undefined, event: PostEvent): PostRecord | undefined {
  switch (event.type) {
    case 'PostCreated':
      return { authorId: event.authorId, createdAt: event.createdAt, deleted: false, loveCount: 0, commentCount: 0 };
    case 'PostDeleted':
      return post && { ...post, deleted: true };
    case 'PostLoved':
    case 'PostUnloved':
      return post && { ...post, loveCount: event.loveCount };
    case 'CommentAdded':
      return post && { ...post, commentCount: event.commentCount };
    default:
      return assertNever(event);
  }
}

/**
 * The posts writer's store. It keeps the post rows it read or wrote in memory: while this
 * writer owns a post's partition, it alone writes that row (see the README on fencing), so the
 * row in memory is the row in Cassandra and a command on a known post reads one row fewer. The
 * writer calls `forget` whenever its partitions may have moved, or a batch failed midway.
 */
export function createPostStore(client: cassandra.Client): PostStore {
  const exists = async (query: string, params: unknown[]) =>
    (await client.execute(query, params, PREPARED)).rowLength > 0;

  const cached = new Map<string, PostRecord>();
  const remember = (postId: string, record: PostRecord | undefined) => {
    cached.delete(postId);
    if (!record) return;
    cached.set(postId, record);
    if (cached.size > CACHED_POSTS) cached.delete(cached.keys().next().value!);
  };
  const post = async (postId: string): Promise<PostRecord | undefined> => {
    const known = cached.get(postId);
    if (known) {
      remember(postId, known);
      return known;
    }
    const record = await read(postId);
    remember(postId, record);
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
              'VALUES (?, ?, ?, ?, ?, ?, ?, ?, false, 0, 0)',
            params: [
              event.postId,
              event.authorId,
              event.kind,
              event.audience,
              event.caption,
              event.url,
              [...event.tags],
              event.createdAt,
            ],
          },
          {
            query:
              'INSERT INTO posts_by_author (author_id, created_at, post_id, kind, audience) VALUES (?, ?, ?, ?, ?)',
            params: [event.authorId, event.createdAt, event.postId, event.kind, event.audience],
          },
        ];
      case 'PostDeleted':
        // The post row stays, marked: its id can never be reused, and late commands find it.
        return [
          { query: 'UPDATE posts SET deleted = true WHERE id = ?', params: [event.postId] },
          {
            query: 'DELETE FROM posts_by_author WHERE author_id = ? AND created_at = ? AND post_id = ?',
            params: [event.authorId, event.createdAt, event.postId],
          },
        ];
      case 'PostLoved':
        return [
          {
            query: 'INSERT INTO post_loves (post_id, user_id, created_at) VALUES (?, ?, ?)',
            params: [event.postId, event.userId, event.lovedAt],
          },
          {
            query: 'INSERT INTO loves_by_user (user_id, post_id, loved_at) VALUES (?, ?, ?)',
            params: [event.userId, event.postId, event.lovedAt],
          },
          { query: 'UPDATE posts SET love_count = ? WHERE id = ?', params: [event.loveCount, event.postId] },
        ];
      case 'PostUnloved':
        return [
          { query: 'DELETE FROM post_loves WHERE post_id = ? AND user_id = ?', params: [event.postId, event.userId] },
          {
            query: 'DELETE FROM loves_by_user WHERE user_id = ? AND post_id = ?',
            params: [event.userId, event.postId],
          },
          { query: 'UPDATE posts SET love_count = ? WHERE id = ?', params: [event.loveCount, event.postId] },
        ];
      case 'CommentAdded':
        return [
          {
            query: 'INSERT INTO comments (id, post_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)',
            params: [event.commentId, event.postId, event.authorId, event.text, event.createdAt],
          },
          {
            query:
              'INSERT INTO comments_by_post (post_id, created_at, comment_id, author_id, text) VALUES (?, ?, ?, ?, ?)',
            params: [event.postId, event.createdAt, event.commentId, event.authorId, event.text],
          },
          {
            query: 'UPDATE posts SET comment_count = ?, latest_comment_id = ? WHERE id = ?',
            params: [event.commentCount, event.commentId, event.postId],
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
      for (const recorded of events) {
        // One unlogged batch per event: no batchlog round. Should the writer die between the
        // rows, the recorded decision is replayed and the rows written again (they are upserts).
        await client.batch(statements(recorded), { prepare: true, logged: false });
        const { postId } = recorded.event;
        remember(postId, evolvePost(cached.get(postId), recorded.event));
      }
    },
  };
}
