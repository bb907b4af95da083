import { randomUUID } from 'node:crypto';

import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CommandStatus, newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

let h: WriterHarness;
let owner: { id: string; username: string };
const posts: string[] = [];

beforeAll(async () => {
  h = await startWriterHarness(['users', 'posts', 'collections']);
  owner = newUser('owner');
  await h.applied(
    await h.user(owner.id, owner.id, {
      case: 'createProfile',
      value: { userId: owner.id, profile: { username: owner.username, displayName: 'Owner' } },
    }),
  );
  for (let i = 0; i < 3; i++) {
    const postId = randomUUID();
    posts.push(postId);
    await h.applied(
      await h.post(owner.id, postId, {
        case: 'createPost',
        value: { postId, authorId: owner.id, kind: PostKind.TEXT, audience: Audience.FOLLOWERS, caption: `post ${i}` },
      }),
    );
  }
});

afterAll(async () => {
  await h?.stop();
});

const createCollection = (collectionId: string, by = owner.id) =>
  h.collection(by, collectionId, {
    case: 'createCollection',
    value: { collectionId, ownerId: by, title: 'Favourites', description: 'The best ones' },
  });
const add = (collectionId: string, postId: string, by = owner.id) =>
  h.collection(by, collectionId, { case: 'addToCollection', value: { collectionId, postId } });
const remove = (collectionId: string, postId: string, by = owner.id) =>
  h.collection(by, collectionId, { case: 'removeFromCollection', value: { collectionId, postId } });

async function items(collectionId: string) {
  const rows = await h.cassandra.execute(
    'SELECT post_id, position FROM collection_items_sor WHERE collection_id = ?',
    [collectionId],
    { prepare: true },
  );
  return Object.fromEntries(rows.rows.map((r) => [String(r.get('post_id')), Number(r.get('position'))]));
}

describe('the collections writer, through Kafka and Cassandra', () => {
  it('creates a collection in its Cassandra system of record; COLLECTION_EXISTS for its id again', async () => {
    const collectionId = randomUUID();
    const sent = await createCollection(collectionId);
    await h.applied(sent);
    const [created] = await h.collectionEvents(sent.commandId);
    expect(created!.key).toBe(collectionId);
    expect(created!.event.event).toMatchObject({
      case: 'collectionCreated',
      value: { collectionId, ownerId: owner.id, title: 'Favourites', description: 'The best ones' },
    });
    const row = (
      await h.cassandra.execute(
        'SELECT owner_id, title, next_position FROM collections_sor WHERE id = ?',
        [collectionId],
        {
          prepare: true,
        },
      )
    ).first();
    expect([row?.get('owner_id'), row?.get('title'), Number(row?.get('next_position'))]).toEqual([
      owner.id,
      'Favourites',
      1,
    ]);
    expect(await h.outcome(await createCollection(collectionId))).toMatchObject({
      status: CommandStatus.REJECTED,
      reasonCode: 'COLLECTION_EXISTS',
    });
  });

  it('adds posts last, removes them, and a post added again goes last', async () => {
    const collectionId = randomUUID();
    await h.applied(await createCollection(collectionId));
    const positions = [];
    for (const postId of posts) {
      const sent = await add(collectionId, postId);
      await h.applied(sent);
      const [added] = await h.collectionEvents(sent.commandId);
      positions.push(Number((added!.event.event.value as { position: bigint }).position));
    }
    expect(positions).toEqual([1, 2, 3]);
    expect(await items(collectionId)).toEqual({ [posts[0]!]: 1, [posts[1]!]: 2, [posts[2]!]: 3 });

    const removed = await remove(collectionId, posts[0]!);
    await h.applied(removed);
    expect((await h.collectionEvents(removed.commandId))[0]!.event.event.case).toBe('postRemovedFromCollection');
    await h.applied(await add(collectionId, posts[0]!));
    expect(await items(collectionId)).toEqual({ [posts[0]!]: 4, [posts[1]!]: 2, [posts[2]!]: 3 });
  });

  it('refuses: ALREADY_IN_COLLECTION, NOT_IN_COLLECTION, NOT_COLLECTION_OWNER, COLLECTION_NOT_FOUND, POST_NOT_FOUND', async () => {
    const collectionId = randomUUID();
    await h.applied(await createCollection(collectionId));
    await h.applied(await add(collectionId, posts[1]!));
    expect(await h.outcome(await add(collectionId, posts[1]!))).toMatchObject({ reasonCode: 'ALREADY_IN_COLLECTION' });
    expect(await h.outcome(await remove(collectionId, posts[2]!))).toMatchObject({ reasonCode: 'NOT_IN_COLLECTION' });
    const intruder = newUser('intruder');
    expect(await h.outcome(await add(collectionId, posts[2]!, intruder.id))).toMatchObject({
      reasonCode: 'NOT_COLLECTION_OWNER',
    });
    expect(await h.outcome(await remove(collectionId, posts[1]!, intruder.id))).toMatchObject({
      reasonCode: 'NOT_COLLECTION_OWNER',
    });
    const missing = randomUUID();
    expect(await h.outcome(await add(missing, posts[1]!))).toMatchObject({ reasonCode: 'COLLECTION_NOT_FOUND' });
    expect(await h.outcome(await add(collectionId, randomUUID()))).toMatchObject({ reasonCode: 'POST_NOT_FOUND' });
    expect(await items(collectionId)).toEqual({ [posts[1]!]: 1 });
  });
});
