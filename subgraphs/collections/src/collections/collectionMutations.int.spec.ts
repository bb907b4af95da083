import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { CollectionCommandSchema } from '@verograph/contracts/collections/v1/commands';
import { createProducer, type MessageProducer } from '@verograph/messaging';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { commandIdFor, createdIdFor } from '@verograph/subgraph-kit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCollectionsSubgraph } from '../collectionsSubgraph.ts';
import {
  askAs,
  codes,
  freshCommandsTopic,
  freshOutcomesKeyspace,
  freshPostgresSchema,
  run,
  silentLogger,
  TEST_SECRET,
  until,
  type TestKeyspace,
  type TestSchema,
  type TestTopic,
} from '../testing/testEngines.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

/**
 * Mutations against real engines: the read model a rights check reads (PostgreSQL), a commands
 * topic of this run (Kafka) and a decision log no writer fills (Cassandra), so every new
 * command is answered ACCEPTED and every record on the topic is this spec's.
 */
describe('collections subgraph mutations', () => {
  let db: TestSchema;
  let outcomes: TestKeyspace;
  let commands: TestTopic;
  let producer: MessageProducer;
  let server: SubgraphServer;

  const owner = `owner-${run}`;
  const other = `other-${run}`;
  const author = `author-${run}`;
  const collection = randomUUID();
  const visible = randomUUID();
  const hidden = randomUUID();
  const deleted = randomUUID();
  let published = 0;

  beforeAll(async () => {
    [db, outcomes, commands] = await Promise.all([
      freshPostgresSchema('collection_mutations'),
      freshOutcomesKeyspace('collection_mutations'),
      freshCommandsTopic('mutations'),
    ]);
    await db.pool.query(
      `INSERT INTO collections (id, owner_id, title, description, created_at, updated_at) VALUES ($1, $2, 'Mine', '', now(), now())`,
      [collection, owner],
    );
    await db.pool.query(
      `INSERT INTO post_audiences (post_id, author_id, audience, deleted) VALUES
         ($1, $4, 'FOLLOWERS', false), ($2, $4, 'CLOSE_FRIENDS', false), ($3, $4, 'FOLLOWERS', true)`,
      [visible, hidden, deleted, author],
    );
    await db.pool.query(
      `INSERT INTO audience_grants (author_id, viewer_id, follows, level) VALUES ($1, $2, true, NULL)`,
      [author, owner],
    );
    producer = await createProducer(commands.kafka);
    server = await startCollectionsSubgraph({
      postgres: db.pool,
      cassandra: outcomes.client,
      producer,
      logger: silentLogger,
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret: TEST_SECRET,
      mutationWaitMs: 300,
      idSecret: ID_SECRET,
      commandsTopic: commands.topic,
    });
  });

  afterAll(async () => {
    await server?.close();
    await producer?.disconnect();
    await commands?.drop();
    await outcomes?.drop();
    await db?.drop();
  });

  const CREATE = `mutation ($input: CreateCollectionInput!) {
    createCollection(input: $input) { commandId status reason { code message } clientMutationId collection { id title } }
  }`;
  const ADD = `mutation ($c: ID!, $p: ID!, $m: String) {
    addToCollection(collectionId: $c, postId: $p, clientMutationId: $m) { commandId status reason { code } collection { id postCount } }
  }`;
  const REMOVE = `mutation ($c: ID!, $p: ID!) {
    removeFromCollection(collectionId: $c, postId: $p) { commandId status collection { id } }
  }`;

  interface Payload {
    commandId: string;
    status: string;
    reason: { code: string; message?: string } | null;
    clientMutationId?: string | null;
    collection: { id: string; title?: string; postCount?: number } | null;
  }

  /** The records published so far, once `count` of them are in (and no more arrived). */
  const recordsOnTopic = async (count: number) => {
    await until(`${count} command(s) on ${commands.topic}`, () =>
      commands.received.length >= count ? true : undefined,
    );
    // Anything published twice would have arrived with the first.
    await new Promise((r) => setTimeout(r, 500));
    return commands.received.map((m) => ({
      key: m.key?.toString(),
      commandId: m.headers?.['command-id']?.toString(),
      command: fromBinary(CollectionCommandSchema, new Uint8Array(m.value!)),
    }));
  };

  it('given an anonymous viewer, when creating a collection, then UNAUTHENTICATED and nothing is published', async () => {
    const answer = await askAs(server.url, undefined, CREATE, { input: { title: 'x' } });
    expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
  });

  it('given a title past the limit or blank, when creating, then BAD_USER_INPUT and nothing is published', async () => {
    expect(codes(await askAs(server.url, owner, CREATE, { input: { title: 't'.repeat(101) } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await askAs(server.url, owner, CREATE, { input: { title: '  ' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('given a valid collection, when created and no writer answers, then ACCEPTED and one command keyed by its id', async () => {
    const answer = await askAs<{ createCollection: Payload }>(server.url, owner, CREATE, {
      input: { title: ' Summer ', description: 'reads', clientMutationId: 'create-1' },
    });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data!.createCollection;
    expect(payload).toMatchObject({ status: 'ACCEPTED', reason: null, clientMutationId: 'create-1', collection: null });
    expect(payload.commandId).toBe(
      commandIdFor({ secret: ID_SECRET, viewerId: owner, mutation: 'createCollection', idempotencyKey: 'create-1' }),
    );
    published += 1;
    const records = await recordsOnTopic(published);
    expect(records).toHaveLength(published);
    const record = records.at(-1)!;
    const collectionId = createdIdFor(payload.commandId, 'collection');
    expect(record.key).toBe(collectionId);
    expect(record.commandId).toBe(payload.commandId);
    expect(record.command.envelope).toMatchObject({
      commandId: payload.commandId,
      aggregateId: collectionId,
      actorId: owner,
    });
    expect(record.command.command).toEqual({
      case: 'createCollection',
      value: expect.objectContaining({ collectionId, ownerId: owner, title: 'Summer', description: 'reads' }),
    });
  });

  it('given someone else’s collection, an invisible, a deleted or an unknown post, when adding, then the right code and no command', async () => {
    expect(codes(await askAs(server.url, other, ADD, { c: collection, p: visible }))).toEqual(['NOT_COLLECTION_OWNER']);
    expect(codes(await askAs(server.url, owner, ADD, { c: collection, p: hidden }))).toEqual(['POST_NOT_FOUND']);
    expect(codes(await askAs(server.url, owner, ADD, { c: collection, p: deleted }))).toEqual(['POST_NOT_FOUND']);
    expect(codes(await askAs(server.url, owner, ADD, { c: collection, p: randomUUID() }))).toEqual(['POST_NOT_FOUND']);
    expect(codes(await askAs(server.url, owner, ADD, { c: randomUUID(), p: visible }))).toEqual([
      'COLLECTION_NOT_FOUND',
    ]);
    expect(codes(await askAs(server.url, owner, ADD, { c: collection, p: 'not-an-id' }))).toEqual(['INVALID_ID']);
    expect(codes(await askAs(server.url, undefined, ADD, { c: collection, p: visible }))).toEqual(['UNAUTHENTICATED']);
  });

  it('given the owner and a post they may see, when adding, then ACCEPTED and one command keyed by the collection', async () => {
    const answer = await askAs<{ addToCollection: Payload }>(server.url, owner, ADD, { c: collection, p: visible });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.addToCollection).toMatchObject({ status: 'ACCEPTED', collection: null });
    published += 1;
    const records = await recordsOnTopic(published);
    expect(records).toHaveLength(published);
    const record = records.at(-1)!;
    expect(record.key).toBe(collection);
    expect(record.commandId).toBe(answer.data!.addToCollection.commandId);
    expect(record.command.command).toEqual({
      case: 'addToCollection',
      value: expect.objectContaining({ collectionId: collection, postId: visible }),
    });
  });

  it('given the owner, when removing a post, then ACCEPTED and one command; a non-owner gets NOT_COLLECTION_OWNER', async () => {
    expect(codes(await askAs(server.url, other, REMOVE, { c: collection, p: hidden }))).toEqual([
      'NOT_COLLECTION_OWNER',
    ]);
    // The owner may take out a post they can no longer see.
    const answer = await askAs<{ removeFromCollection: Payload }>(server.url, owner, REMOVE, {
      c: collection,
      p: hidden,
    });
    expect(answer.data!.removeFromCollection.status).toBe('ACCEPTED');
    published += 1;
    const records = await recordsOnTopic(published);
    expect(records).toHaveLength(published);
    expect(records.at(-1)!.key).toBe(collection);
    expect(records.at(-1)!.command.command).toEqual({
      case: 'removeFromCollection',
      value: expect.objectContaining({ collectionId: collection, postId: hidden }),
    });
  });

  it('given a resend whose outcome is recorded, when sent again, then it answers from the record without publishing', async () => {
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: owner,
      mutation: 'addToCollection',
      idempotencyKey: 'add-again',
      scope: [collection, visible],
    });
    await outcomes.client.execute(
      'INSERT INTO command_outcomes (command_id, aggregate_id, status, reason_code, reason_message, decided_at) VALUES (?, ?, ?, ?, ?, ?)',
      [
        commandId,
        collection,
        'REJECTED',
        'ALREADY_IN_COLLECTION',
        'the post is already in this collection',
        new Date(),
      ],
      { prepare: true },
    );
    const answer = await askAs<{ addToCollection: Payload }>(server.url, owner, ADD, {
      c: collection,
      p: visible,
      m: 'add-again',
    });
    expect(answer.data!.addToCollection).toMatchObject({
      commandId,
      status: 'REJECTED',
      reason: { code: 'ALREADY_IN_COLLECTION' },
      collection: null,
    });
    expect(await recordsOnTopic(published)).toHaveLength(published);
  });

  it('given a post added before its author stopped sharing it with the owner, when the add is resent, then POST_NOT_FOUND as for a missing post and nothing is published', async () => {
    const lostAuthor = `lost-author-${run}`;
    const lostPost = randomUUID();
    await db.pool.query(
      `INSERT INTO post_audiences (post_id, author_id, audience, deleted) VALUES ($1, $2, 'FOLLOWERS', false)`,
      [lostPost, lostAuthor],
    );
    await db.pool.query(
      `INSERT INTO audience_grants (author_id, viewer_id, follows, level) VALUES ($1, $2, true, NULL)`,
      [lostAuthor, owner],
    );
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: owner,
      mutation: 'addToCollection',
      idempotencyKey: 'add-then-lost',
      scope: [collection, lostPost],
    });
    await outcomes.client.execute(
      'INSERT INTO command_outcomes (command_id, aggregate_id, status, decided_at) VALUES (?, ?, ?, ?)',
      [commandId, collection, 'APPLIED', new Date()],
      { prepare: true },
    );
    const before = await askAs<{ addToCollection: Payload }>(server.url, owner, ADD, {
      c: collection,
      p: lostPost,
      m: 'add-then-lost',
    });
    expect(before.data!.addToCollection).toMatchObject({ commandId, status: 'APPLIED' });

    await db.pool.query(`DELETE FROM audience_grants WHERE author_id = $1 AND viewer_id = $2`, [lostAuthor, owner]);

    const resend = await askAs(server.url, owner, ADD, { c: collection, p: lostPost, m: 'add-then-lost' });
    const missingId = randomUUID();
    const missing = await askAs(server.url, owner, ADD, { c: collection, p: missingId, m: 'add-missing' });
    expect(codes(resend)).toEqual(['POST_NOT_FOUND']);
    expect(JSON.stringify(resend).replaceAll(lostPost, '<id>')).toBe(
      JSON.stringify(missing).replaceAll(missingId, '<id>'),
    );
    expect(await recordsOnTopic(published)).toHaveLength(published);
  });

  it('given an APPLIED outcome and the projected row, when created, then the payload holds the collection', async () => {
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: owner,
      mutation: 'createCollection',
      idempotencyKey: 'create-applied',
    });
    const collectionId = createdIdFor(commandId, 'collection');
    await db.pool.query(
      `INSERT INTO collections (id, owner_id, title, description, created_at, updated_at) VALUES ($1, $2, 'Applied', '', now(), now())`,
      [collectionId, owner],
    );
    await outcomes.client.execute(
      'INSERT INTO command_outcomes (command_id, aggregate_id, status, decided_at) VALUES (?, ?, ?, ?)',
      [commandId, collectionId, 'APPLIED', new Date()],
      { prepare: true },
    );
    const answer = await askAs<{ createCollection: Payload }>(server.url, owner, CREATE, {
      input: { title: 'Applied', clientMutationId: 'create-applied' },
    });
    expect(answer.data!.createCollection).toMatchObject({
      commandId,
      status: 'APPLIED',
      reason: null,
      collection: { id: collectionId, title: 'Applied' },
    });
  });

  it('given an Idempotency-Key header and no clientMutationId, when created, then the key makes the command id', async () => {
    const answer = await askAs<{ createCollection: Payload }>(
      server.url,
      owner,
      CREATE,
      { input: { title: 'Keyed' } },
      { headers: { 'idempotency-key': 'header-key-1' } },
    );
    expect(answer.data!.createCollection.commandId).toBe(
      commandIdFor({
        secret: ID_SECRET,
        viewerId: owner,
        mutation: 'createCollection',
        idempotencyKey: 'header-key-1',
      }),
    );
    published += 1;
    expect(await recordsOnTopic(published)).toHaveLength(published);
  });
});
