import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { ConnectionLevel as ProtoConnectionLevel } from '@verograph/contracts/users/v1/users';
import { connectionId } from '@verograph/domain';
import type { MessageProducer } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses, signViewer, VIEWER_HEADER } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { commandIdFor } from '@verograph/subgraph-kit';
import type {
  CountingClient,
  ReadModelFixtures,
  SignedGraphQLClient,
  TopicCapture,
} from '@verograph/subgraph-kit/testing';
import {
  countingClient,
  createScratchTopic,
  deleteScratchTopic,
  errorCodes,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
  startTopicCapture,
} from '@verograph/subgraph-kit/testing';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startUsersSubgraph } from './usersSubgraph.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

const secret = `users-int-secret-${randomUUID()}`;
const WAIT_MS = 400;

let client: cassandra.Client;
let counting: CountingClient;
let kafka: Kafka;
const commandsTopic = `users.commands.test-${randomUUID().slice(0, 8)}`;

let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;

beforeAll(async () => {
  const engines = engineAddresses();
  client = await localCassandra('users-subgraph-int');
  counting = countingClient(client);
  kafka = createKafka('users-subgraph-int', engines.kafkaBrokers);
  producer = await createProducer(kafka);
  // Commands go to a topic of this run: no writer reads it, so every answer is this spec's to predict.
  await createScratchTopic(kafka, commandsTopic, 3);
  server = await startUsersSubgraph({
    cassandra: counting,
    producer,
    logger: createLogger('users-subgraph-int', 'silent'),
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: WAIT_MS,
    idSecret: ID_SECRET,
    commandsTopic,
  });
  gql = signedGraphQLClient(server.url, secret, 'users');
  fx = readModelFixtures(client);
});

afterAll(async () => {
  await server?.close();
  await producer?.disconnect();
  if (kafka) await deleteScratchTopic(kafka, commandsTopic);
  await client?.shutdown();
});

/** The one item of a list that must hold exactly one. */
function single<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

const USER_FIELDS =
  'id username displayName bio avatarUrl createdAt followerCount followingCount connectionCount viewerIsFollowing viewerConnectionLevel';

describe('reading users', () => {
  let ada: string;
  let adaName: string;
  let bob: string;
  let cy: string;

  beforeAll(async () => {
    adaName = `ada_${randomUUID().slice(0, 8)}`;
    ada = await fx.user({
      username: adaName,
      displayName: 'Ada L.',
      bio: 'Engines',
      avatarUrl: 'https://example.org/ada.png',
    });
    bob = await fx.user();
    cy = await fx.user();
    await fx.counts(ada, { followers: 3, following: 1, connections: 2 });
    await fx.follow(bob, ada);
    // Bob files Ada as a close friend; Ada files Bob as an acquaintance.
    await fx.connect(bob, ada, 'CLOSE_FRIEND', 'ACQUAINTANCE');
    await fx.request(cy, ada, 'FRIEND');
  });

  it('answers me for the signed-in viewer and null when anonymous or without a profile', async () => {
    const me = await gql.query<{ me: { id: string } | null }>(ada, '{ me { id username } }');
    expect(me.data!.me).toEqual({ id: ada, username: adaName });
    expect((await gql.query<{ me: null }>(undefined, '{ me { id } }')).data!.me).toBeNull();
    expect((await gql.query<{ me: null }>(`new-${randomUUID()}`, '{ me { id } }')).data!.me).toBeNull();
  });

  it('finds a user by id or by username, with every field, as the viewer sees them', async () => {
    const byId = await gql.query<{ user: Record<string, unknown> }>(
      bob,
      `query($id: ID) { user(id: $id) { ${USER_FIELDS} } }`,
      {
        id: ada,
      },
    );
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.user).toMatchObject({
      id: ada,
      username: adaName,
      displayName: 'Ada L.',
      bio: 'Engines',
      avatarUrl: 'https://example.org/ada.png',
      followerCount: 3,
      followingCount: 1,
      connectionCount: 2,
      viewerIsFollowing: true,
      viewerConnectionLevel: 'CLOSE_FRIEND',
    });
    expect(new Date(byId.data!.user.createdAt as string).getTime()).toBeGreaterThan(0);

    const byName = await gql.query<{ user: Record<string, unknown> }>(
      ada,
      `query($u: String) { user(username: $u) { ${USER_FIELDS} } }`,
      { u: adaName.toUpperCase() },
    );
    expect(byName.data!.user).toMatchObject({ id: ada, viewerIsFollowing: false, viewerConnectionLevel: null });
  });

  it('shows counts of 0 when none are kept yet, and no level for a pending request', async () => {
    const answer = await gql.query<{ user: Record<string, unknown> }>(
      ada,
      `query($id: ID) { user(id: $id) { ${USER_FIELDS} } }`,
      {
        id: cy,
      },
    );
    expect(answer.data!.user).toMatchObject({
      followerCount: 0,
      followingCount: 0,
      connectionCount: 0,
      viewerIsFollowing: false,
      viewerConnectionLevel: null,
      avatarUrl: null,
    });
  });

  it('answers null for users that do not exist', async () => {
    const answer = await gql.query<{ a: unknown; b: unknown }>(
      ada,
      'query($id: ID, $u: String) { a: user(id: $id) { id } b: user(username: $u) { id } }',
      { id: `missing-${randomUUID()}`, u: `missing_${randomUUID().slice(0, 8)}` },
    );
    expect(answer.data).toEqual({ a: null, b: null });
  });

  it('needs exactly one of id and username, and well-formed ones', async () => {
    const USER = 'query($id: ID, $u: String) { user(id: $id, username: $u) { id } }';
    expect(errorCodes(await gql.query(ada, USER, {}))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.query(ada, USER, { id: ada, u: adaName }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.query(ada, USER, { id: 'not a valid id!' }))).toEqual(['INVALID_ID']);
    expect(errorCodes(await gql.query(ada, USER, { u: '!!' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves 20 User references in a constant number of round trips', async () => {
    const many: string[] = [];
    for (let i = 0; i < 20; i++) many.push(await fx.user());
    counting.reset();
    const answer = await gql.query<{ _entities: Array<{ id: string } | null> }>(
      bob,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${USER_FIELDS} } } }`,
      { r: [...many, `missing-${randomUUID()}`, 'bad id!'].map((id) => ({ __typename: 'User', id })) },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!._entities.slice(0, 20).map((u) => u?.id)).toEqual(many);
    expect(answer.data!._entities.slice(20)).toEqual([null, null]);
    // users, user_counts, follows, connections
    expect(counting.statements).toHaveLength(4);
  });

  it('refuses unsigned and forged requests with 401', async () => {
    const body = { query: '{ me { id } }' };
    const signed = (key: string, viewer: string) =>
      signViewer(key, viewer, { subgraph: 'users', body: JSON.stringify(body), scope: 'request' });
    const forged = { ...signed(secret, bob), [VIEWER_HEADER]: ada };
    for (const headers of [{}, forged, signed('another-secret-of-someone', ada)]) {
      const answer = await gql.raw(headers, body);
      expect(answer.status).toBe(401);
      expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('mutations', () => {
  let capture: TopicCapture;
  let viewer: string;
  let other: string;

  beforeAll(async () => {
    capture = await startTopicCapture(kafka, commandsTopic);
    viewer = await fx.user();
    other = await fx.user();
  });

  afterAll(async () => {
    await capture?.stop();
  });

  const published = async (commandId: string) =>
    (await capture.settled())
      .map((record) => ({ record, command: fromBinary(UserCommandSchema, record.value) }))
      .filter(({ command }) => command.envelope?.commandId === commandId);

  const FOLLOW =
    'mutation($id: ID!, $c: String) { follow(userId: $id, clientMutationId: $c) { commandId status reason { code } clientMutationId user { id viewerIsFollowing } } }';

  it('given no writer, when following, then one Follow goes to users.commands keyed by the follower and the answer is ACCEPTED', async () => {
    const started = Date.now();
    const answer = await gql.query<{ follow: { commandId: string; status: string; user: unknown } }>(viewer, FOLLOW, {
      id: other,
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.follow).toMatchObject({ status: 'ACCEPTED', user: null, clientMutationId: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS);
    const { record, command } = single(await published(answer.data!.follow.commandId));
    expect(record.topic).toBe(commandsTopic);
    expect(record.key).toBe(viewer);
    expect(command.envelope).toMatchObject({ aggregateId: viewer, actorId: viewer });
    expect(command.command).toMatchObject({ case: 'follow', value: { followerId: viewer, followeeId: other } });
  });

  it('keys connection commands by the connection id of both users', async () => {
    const answer = await gql.query<{ requestConnection: { commandId: string; status: string } }>(
      viewer,
      'mutation($id: ID!) { requestConnection(userId: $id, level: FRIEND) { commandId status } }',
      { id: other },
    );
    expect(answer.data!.requestConnection.status).toBe('ACCEPTED');
    const { record, command } = single(await published(answer.data!.requestConnection.commandId));
    expect(record.key).toBe(connectionId(viewer, other));
    expect(command.command).toMatchObject({
      case: 'requestConnection',
      value: { requesterId: viewer, addresseeId: other, level: ProtoConnectionLevel.FRIEND },
    });
  });

  it('given an APPLIED outcome and the follow in the read model, when resent, then it answers with the other user as now seen', async () => {
    const c = `cm-${randomUUID()}`;
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: viewer,
      mutation: 'follow',
      idempotencyKey: c,
      scope: [other],
    });
    await fx.outcome(commandId, viewer, 'APPLIED');
    await fx.follow(viewer, other);
    const answer = await gql.query<{ follow: unknown }>(viewer, FOLLOW, { id: other, c });
    expect(answer.data!.follow).toEqual({
      commandId,
      status: 'APPLIED',
      reason: null,
      clientMutationId: c,
      user: { id: other, viewerIsFollowing: true },
    });
    expect(await published(commandId)).toHaveLength(0);
  });

  it('given a profile request decided with its fingerprint, when the key comes back with another username, then IDEMPOTENCY_KEY_REUSED and nothing is published', async () => {
    const someone = `someone-${randomUUID()}`;
    const c = `cm-${randomUUID()}`;
    const CREATE =
      'mutation($u: String!, $c: String) { createProfile(input: { username: $u, displayName: "S", clientMutationId: $c }) { commandId status reason { code } } }';
    const username = `s_${randomUUID().slice(0, 8)}`;
    const first = await gql.query<{ createProfile: { commandId: string; status: string } }>(someone, CREATE, {
      u: username,
      c,
    });
    expect(first.data!.createProfile.status).toBe('ACCEPTED');
    const { commandId } = first.data!.createProfile;
    const [sent] = await published(commandId);
    // The writer records its decision with the fingerprint the record carried.
    await fx.outcome(commandId, someone, 'APPLIED', undefined, sent!.record.headers['command-fingerprint']);

    const resend = await gql.query<{ createProfile: unknown }>(someone, CREATE, { u: username, c });
    expect(resend.data!.createProfile).toEqual({ commandId, status: 'APPLIED', reason: null });
    const reused = await gql.query(someone, CREATE, { u: `${username}_2`, c });
    expect(errorCodes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await published(commandId)).toHaveLength(1);
  });

  it('given a REJECTED outcome, when resent, then it answers the reason', async () => {
    const c = `cm-${randomUUID()}`;
    const commandId = commandIdFor({
      secret: ID_SECRET,
      viewerId: viewer,
      mutation: 'createProfile',
      idempotencyKey: c,
    });
    await fx.outcome(commandId, viewer, 'REJECTED', { code: 'USERNAME_TAKEN', message: 'taken' });
    const answer = await gql.query<{ createProfile: unknown }>(
      viewer,
      'mutation($c: String) { createProfile(input: { username: "whoever", displayName: "W", clientMutationId: $c }) { commandId status reason { code message } user { id } } }',
      { c },
    );
    expect(answer.data!.createProfile).toEqual({
      commandId,
      status: 'REJECTED',
      reason: { code: 'USERNAME_TAKEN', message: 'taken' },
      user: null,
    });
  });

  it('creates a profile: checks the username is free, then publishes CreateProfile keyed by the viewer', async () => {
    const newcomer = `new-${randomUUID()}`;
    const taken = `taken_${randomUUID().slice(0, 8)}`;
    await fx.user({ username: taken });
    const CREATE =
      'mutation($u: String!) { createProfile(input: { username: $u, displayName: "New" }) { commandId status } }';
    expect(errorCodes(await gql.query(newcomer, CREATE, { u: taken }))).toEqual(['USERNAME_TAKEN']);
    expect(errorCodes(await gql.query(viewer, CREATE, { u: `x_${randomUUID().slice(0, 8)}` }))).toEqual([
      'PROFILE_EXISTS',
    ]);
    expect(errorCodes(await gql.query(undefined, CREATE, { u: 'anyone' }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql.query(newcomer, CREATE, { u: 'a' }))).toEqual(['BAD_USER_INPUT']);

    const free = `Free_${randomUUID().slice(0, 8)}`;
    const answer = await gql.query<{ createProfile: { commandId: string; status: string } }>(newcomer, CREATE, {
      u: free,
    });
    expect(answer.data!.createProfile.status).toBe('ACCEPTED');
    const { record, command } = single(await published(answer.data!.createProfile.commandId));
    expect(record.key).toBe(newcomer);
    expect(command.command).toMatchObject({
      case: 'createProfile',
      value: {
        userId: newcomer,
        profile: { username: free.toLowerCase(), displayName: 'New', bio: '', avatarUrl: '' },
      },
    });
  });

  it('updates a profile with an update mask of the fields given', async () => {
    const answer = await gql.query<{ updateProfile: { commandId: string } }>(
      viewer,
      'mutation { updateProfile(input: { bio: "Hello", avatarUrl: null }) { commandId status } }',
    );
    const { command } = single(await published(answer.data!.updateProfile.commandId));
    expect(command.command).toMatchObject({
      case: 'updateProfile',
      value: { userId: viewer, profile: { bio: 'Hello', avatarUrl: '' }, updateMask: ['bio', 'avatar_url'] },
    });
  });

  it('refuses relationships that cannot be, with coded errors', async () => {
    const stranger = await fx.user();
    const q = (m: string, extra = '') => `mutation($id: ID!) { ${m}(userId: $id${extra}) { status } }`;
    expect(errorCodes(await gql.query(viewer, q('follow'), { id: 'no such id!' }))).toEqual(['INVALID_ID']);
    expect(errorCodes(await gql.query(viewer, q('follow'), { id: `missing-${randomUUID()}` }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql.query(viewer, q('follow'), { id: viewer }))).toEqual(['CANNOT_TARGET_SELF']);
    expect(errorCodes(await gql.query(`new-${randomUUID()}`, q('follow'), { id: other }))).toEqual([
      'PROFILE_REQUIRED',
    ]);
    expect(errorCodes(await gql.query(viewer, q('unfollow'), { id: stranger }))).toEqual(['NOT_FOLLOWING']);
    expect(errorCodes(await gql.query(viewer, q('acceptConnection', ', level: FRIEND'), { id: stranger }))).toEqual([
      'NO_PENDING_REQUEST',
    ]);
    expect(errorCodes(await gql.query(viewer, q('setConnectionLevel', ', level: FRIEND'), { id: stranger }))).toEqual([
      'NOT_CONNECTED',
    ]);
    expect(errorCodes(await gql.query(viewer, q('removeConnection'), { id: stranger }))).toEqual(['NOT_CONNECTED']);
    expect(errorCodes(await gql.query(undefined, q('follow'), { id: stranger }))).toEqual(['UNAUTHENTICATED']);
  });
});
