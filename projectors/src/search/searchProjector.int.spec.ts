import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { quietContext } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { freshIndices, silentLogger, type TestIndices } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { createSearchStore, resolveWriteIndices } from './searchStore.ts';
import { handleSearchBatch, handleSearchEvent, type SearchDeps } from './searchProjector.ts';

let es: TestIndices;
let deps: SearchDeps;

beforeAll(async () => {
  es = await freshIndices('search');
  deps = { store: createSearchStore(es.client, es.indices) };
});
afterAll(async () => {
  await es?.drop();
});

async function handle(...stream: ProjectedEvent[]) {
  for (const event of stream) {
    expect(await handleSearchEvent(event, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });
  }
  await es.refresh();
}

async function source(index: string, id: string) {
  const found = await es.client.get({ index, id }, { ignore: [404] });
  return found.found ? found._source : undefined;
}

async function snapshot() {
  const all = await es.client.search({ index: Object.values(es.indices), size: 1000, query: { match_all: {} } });
  return all.hits.hits
    .map((h) => [h._index, h._id, h._source])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;

/**
 * The query the search subgraph is meant to run (README): what a viewer may see, with the
 * audiences doc as a terms lookup. Here it proves the docs carry what that query needs.
 */
function visiblePostsQuery(viewerId: string, text: string) {
  const lookup = (path: string) => ({ terms: { author_id: { index: es.indices.audiences, id: viewerId, path } } });
  const audience = (value: string, path: string) => ({
    bool: { filter: [{ term: { audience: value } }, lookup(path)] },
  });
  return {
    bool: {
      must: [{ multi_match: { query: text, fields: ['caption', 'tags'], fuzziness: 'AUTO' } }],
      filter: [
        { term: { deleted: false } },
        {
          bool: {
            minimum_should_match: 1,
            should: [
              { term: { author_id: viewerId } },
              audience('CLOSE_FRIENDS', 'close_friend_of'),
              audience('FRIENDS', 'friend_of'),
              audience('ACQUAINTANCES', 'connected'),
              audience('FOLLOWERS', 'connected'),
              audience('FOLLOWERS', 'follows'),
            ],
          },
        },
      ],
    },
  };
}

describe('search projector on Elasticsearch', () => {
  it('indexes users from their profile events', async () => {
    const u = id('user');
    const at = new Date('2025-05-01T09:00:00Z');
    await handle(
      events.profileCreated(u, `${u}-name`, 'Zoë Example', at),
      events.profileUpdated(u, `${u}-renamed`, 'Zoë Renamed'),
    );
    expect(await source(es.indices.users, u)).toEqual({
      id: u,
      username: `${u}-renamed`,
      display_name: 'Zoë Renamed',
      created_at: at.toISOString(),
    });
    const found = await es.client.search({ index: es.indices.users, query: { match: { display_name: 'zoe' } } });
    expect(found.hits.hits.map((h) => h._id)).toContain(u);
  });

  it('indexes posts, turns a deleted one into a tombstone that a replay does not revive', async () => {
    const author = id('author');
    const post = {
      postId: id('post'),
      authorId: author,
      audience: 'FRIENDS' as const,
      createdAt: new Date(),
      caption: 'sunset over the lake',
      tags: ['travel'],
    };
    await handle(events.postCreated(post));
    expect(await source(es.indices.posts, post.postId)).toMatchObject({
      author_id: author,
      audience: 'FRIENDS',
      deleted: false,
      tags: ['travel'],
    });

    await handle(events.postDeleted(post), events.postCreated(post));
    expect(await source(es.indices.posts, post.postId)).toEqual({ id: post.postId, author_id: author, deleted: true });
  });

  it('keeps one audience doc per viewer that filters posts exactly by the audience rule', async () => {
    const author = id('author');
    const close = id('close');
    const friend = id('friend');
    const acq = id('acq');
    const fol = id('fol');
    const stranger = id('stranger');
    await handle(
      events.connectionAccepted(author, close, 'CLOSE_FRIEND', 'FRIEND'),
      events.connectionAccepted(friend, author, 'ACQUAINTANCE', 'FRIEND'),
      events.connectionAccepted(author, acq, 'ACQUAINTANCE', 'CLOSE_FRIEND'),
      events.followed(fol, author),
      events.followed(author, stranger),
    );
    const word = `word${randomUUID().slice(0, 6)}`;
    const posts = {
      CLOSE_FRIENDS: id('cf'),
      FRIENDS: id('fr'),
      ACQUAINTANCES: id('ac'),
      FOLLOWERS: id('fo'),
    };
    for (const [audience, postId] of Object.entries(posts)) {
      await handle(
        events.postCreated({
          postId,
          authorId: author,
          audience: audience as keyof typeof posts,
          createdAt: new Date(),
          caption: `${word} ${audience}`,
        }),
      );
    }
    const visible = async (viewer: string) => {
      const found = await es.client.search({
        index: es.indices.posts,
        size: 10,
        query: visiblePostsQuery(viewer, word),
      });
      return found.hits.hits.map((h) => h._id).sort();
    };
    expect(await visible(close)).toEqual(Object.values(posts).sort());
    expect(await visible(friend)).toEqual([posts.FRIENDS, posts.ACQUAINTANCES, posts.FOLLOWERS].sort());
    expect(await visible(acq)).toEqual([posts.ACQUAINTANCES, posts.FOLLOWERS].sort());
    expect(await visible(fol)).toEqual([posts.FOLLOWERS]);
    expect(await visible(stranger)).toEqual([]);
    expect(await visible(author)).toEqual(Object.values(posts).sort());

    // A level change takes effect at once; so does an unfollow and a removed connection.
    await handle(
      events.connectionLevelSet(author, acq, 'CLOSE_FRIEND'),
      events.unfollowed(fol, author),
      events.connectionRemoved(friend, author),
    );
    expect(await visible(acq)).toEqual(Object.values(posts).sort());
    expect(await visible(fol)).toEqual([]);
    expect(await visible(friend)).toEqual([]);

    // A deleted post is found by nobody.
    await handle(events.postDeleted({ postId: posts.FOLLOWERS, authorId: author, createdAt: new Date() }));
    expect(await visible(close)).toEqual([posts.CLOSE_FRIENDS, posts.FRIENDS, posts.ACQUAINTANCES].sort());
  });

  it('replaying the same events twice changes nothing', async () => {
    const a = id('a');
    const b = id('b');
    const post = { postId: id('post'), authorId: a, audience: 'FOLLOWERS' as const, createdAt: new Date() };
    const stream = [
      events.profileCreated(a, a, 'A'),
      events.followed(b, a),
      events.connectionAccepted(a, b, 'FRIEND', 'CLOSE_FRIEND'),
      events.connectionLevelSet(a, b, 'CLOSE_FRIEND'),
      events.postCreated(post),
      events.postDeleted(post),
    ];
    await handle(...stream);
    const once = await snapshot();
    await handle(...stream, ...stream);
    expect(await snapshot()).toEqual(once);
  });

  it('never loses an update when events for one viewer are applied concurrently', async () => {
    const viewer = id('viewer');
    const authors = Array.from({ length: 12 }, (_, i) => `${viewer}-author-${i}`);
    const results = await Promise.all(
      authors.map((a) => handleSearchEvent(events.followed(viewer, a), deps, quietContext(silentLogger))),
    );
    expect(results.every((r) => r.kind === 'done')).toBe(true);
    expect(await source(es.indices.audiences, viewer)).toMatchObject({ follows: [...authors].sort() });
  });

  it('a batch writes the same documents as its events one at a time, and its replay changes nothing', async () => {
    const [a, b, c] = [id('a'), id('b'), id('c')];
    const post = { postId: id('post'), authorId: a, audience: 'FRIENDS' as const, createdAt: new Date() };
    const batch = [
      events.profileCreated(a, a, 'A'),
      events.profileCreated(b, b, 'B'),
      events.followed(b, a),
      events.followed(b, c),
      events.connectionAccepted(a, b, 'FRIEND', 'CLOSE_FRIEND'),
      events.unfollowed(b, c),
      events.postCreated(post),
    ];
    const docs = async () =>
      Promise.all([
        source(es.indices.users, a),
        source(es.indices.users, b),
        source(es.indices.audiences, a),
        source(es.indices.audiences, b),
        source(es.indices.posts, post.postId),
      ]);
    const outcomes = await handleSearchBatch(batch, deps, quietContext(silentLogger));
    expect(outcomes).toEqual(batch.map(() => ({ kind: 'done' })));
    await es.refresh();
    const batched = await docs();
    expect(batched[3]).toMatchObject({ follows: [a], connected: [a], friend_of: [a], close_friend_of: [] });
    expect(batched[4]).toMatchObject({ id: post.postId, audience: 'FRIENDS', deleted: false });

    await handleSearchBatch(batch, deps, quietContext(silentLogger));
    await es.refresh();
    expect(await docs()).toEqual(batched);
    // The same events one at a time, again: the documents they would write are those already there.
    await handle(...batch);
    expect(await docs()).toEqual(batched);
  });

  it('never loses an update when batches for one viewer are applied concurrently', async () => {
    const viewer = id('viewer');
    const authors = Array.from({ length: 12 }, (_, i) => `${viewer}-author-${i}`);
    await Promise.all(
      [0, 1, 2, 3].map((part) =>
        handleSearchBatch(
          authors.filter((_, i) => i % 4 === part).map((a) => events.followed(viewer, a)),
          deps,
          quietContext(silentLogger),
        ),
      ),
    );
    expect(await source(es.indices.audiences, viewer)).toMatchObject({ follows: [...authors].sort() });
  });

  it('writes through the write index of an alias that spans two versions of an index', async () => {
    const base = `posts-alias${randomUUID().slice(0, 8)}`;
    await es.client.indices.create({ index: `${base}-v1`, aliases: { [base]: {} } });
    await es.client.indices.create({ index: `${base}-v2`, aliases: { [base]: { is_write_index: true } } });
    try {
      const resolved = await resolveWriteIndices(es.client, { ...es.indices, posts: base });
      expect(resolved).toEqual({ ...es.indices, posts: `${base}-v2` });
      const store = createSearchStore(es.client, () => resolveWriteIndices(es.client, { ...es.indices, posts: base }));
      const post = { postId: id('post'), authorId: id('a'), audience: 'FOLLOWERS' as const, createdAt: new Date() };
      await handleSearchEvent(events.postCreated(post), { store }, quietContext(silentLogger));
      expect(await source(`${base}-v2`, post.postId)).toMatchObject({ id: post.postId, deleted: false });
    } finally {
      await es.client.indices.delete({ index: [`${base}-v1`, `${base}-v2`] }, { ignore: [404] });
    }
  });
});
