import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { quietContext } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { freshPostgresSchema, silentLogger, type TestSchema } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { createCollectionsStore } from './collectionsStore.ts';
import { handleCollectionsEvent, type CollectionsDeps } from './collectionsProjector.ts';

let db: TestSchema;
let deps: CollectionsDeps;

beforeAll(async () => {
  db = await freshPostgresSchema('collections');
  deps = { store: createCollectionsStore(db.pool) };
});
afterAll(async () => {
  await db?.drop();
});

async function handle(...stream: ProjectedEvent[]) {
  for (const event of stream) {
    expect(await handleCollectionsEvent(event, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });
  }
}

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;

async function snapshot() {
  const rows = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    collections: await rows('SELECT * FROM collections ORDER BY id'),
    items: await rows('SELECT * FROM collection_items ORDER BY collection_id, post_id'),
    audiences: await rows('SELECT * FROM post_audiences ORDER BY post_id'),
    grants: await rows('SELECT * FROM audience_grants ORDER BY author_id, viewer_id'),
  };
}

describe('collections projector on PostgreSQL', () => {
  it('builds collections and their ordered items, and removes an item', async () => {
    const c = id('collection');
    const owner = id('owner');
    const created = new Date('2025-06-01T10:00:00Z');
    const added = new Date('2025-06-01T11:00:00Z');
    await handle(
      events.collectionCreated(c, owner, 'Favourites', created),
      events.postAddedToCollection(c, 'p1', 1, added),
      events.postAddedToCollection(c, 'p2', 2, added),
      events.postAddedToCollection(c, 'p3', 3, added),
      events.postRemovedFromCollection(c, 'p2'),
    );
    const collection = (await db.pool.query('SELECT * FROM collections WHERE id = $1', [c])).rows[0];
    expect(collection).toMatchObject({
      owner_id: owner,
      title: 'Favourites',
      description: 'about Favourites',
      created_at: created,
    });
    expect((collection.updated_at as Date).getTime()).toBeGreaterThanOrEqual(added.getTime());
    const items = await db.pool.query(
      'SELECT post_id, position FROM collection_items WHERE collection_id = $1 ORDER BY position',
      [c],
    );
    expect(items.rows).toEqual([
      { post_id: 'p1', position: '1' },
      { post_id: 'p3', position: '3' },
    ]);
  });

  it('records post audiences, and a deletion that a replayed creation does not undo', async () => {
    const post = { postId: id('post'), authorId: id('author'), audience: 'FRIENDS' as const, createdAt: new Date() };
    await handle(events.postCreated(post), events.postDeleted(post), events.postCreated(post));
    const row = (await db.pool.query('SELECT * FROM post_audiences WHERE post_id = $1', [post.postId])).rows[0];
    expect(row).toEqual({ post_id: post.postId, author_id: post.authorId, audience: 'FRIENDS', deleted: true });
  });

  it('keeps audience grants: follows, and how each author files each viewer', async () => {
    const a = id('a');
    const b = id('b');
    const f = id('f');
    const grants = async () =>
      (
        await db.pool.query(
          'SELECT author_id, viewer_id, follows, level FROM audience_grants WHERE author_id = ANY($1) ORDER BY author_id, viewer_id',
          [[a, b]],
        )
      ).rows;
    await handle(
      events.followed(f, a),
      events.connectionAccepted(a, b, 'CLOSE_FRIEND', 'ACQUAINTANCE'),
      events.followed(b, a),
    );
    expect(await grants()).toEqual(
      [
        { author_id: a, viewer_id: b, follows: true, level: 'CLOSE_FRIEND' },
        { author_id: a, viewer_id: f, follows: true, level: null },
        { author_id: b, viewer_id: a, follows: false, level: 'ACQUAINTANCE' },
      ].sort((x, y) => `${x.author_id}${x.viewer_id}`.localeCompare(`${y.author_id}${y.viewer_id}`)),
    );

    await handle(events.connectionLevelSet(a, b, 'FRIEND'), events.unfollowed(f, a), events.connectionRemoved(b, a));
    // b still follows a; the rest admits nothing and is gone.
    expect(await grants()).toEqual([{ author_id: a, viewer_id: b, follows: true, level: null }]);

    // A level change for a pair that is not connected connects nobody.
    await handle(events.connectionLevelSet(b, f, 'CLOSE_FRIEND'));
    expect((await db.pool.query('SELECT * FROM audience_grants WHERE author_id = $1', [b])).rows).toEqual([]);
  });

  it('replaying the same events twice changes nothing', async () => {
    const c = id('collection');
    const owner = id('owner');
    const post = { postId: id('post'), authorId: owner, audience: 'FOLLOWERS' as const, createdAt: new Date() };
    const stream = [
      events.collectionCreated(c, owner, 'Trips', new Date('2025-06-02T10:00:00Z')),
      events.postCreated(post),
      events.postAddedToCollection(c, post.postId, 1, new Date('2025-06-02T11:00:00Z')),
      events.followed(id('f'), owner),
      events.connectionAccepted(owner, id('x'), 'FRIEND', 'FRIEND'),
    ];
    await handle(...stream);
    const once = await snapshot();
    await handle(...stream, ...stream);
    expect(await snapshot()).toEqual(once);
  });

  it('dead-letters an item whose collection never existed, and writes nothing of it', async () => {
    const outcome = await handleCollectionsEvent(
      events.postAddedToCollection(id('ghost'), 'p', 1),
      deps,
      quietContext(silentLogger),
    );
    expect(outcome).toMatchObject({ kind: 'dead-letter', code: 'COLLECTION_NOT_PROJECTED' });
  });
});
