import { randomUUID } from 'node:crypto';

import type { MessageProducer } from '@verograph/messaging';
import { createProducer } from '@verograph/messaging';
import { createLogger } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import type { SignedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { errorCodes, signedGraphQLClient } from '@verograph/subgraph-kit/testing';
import { startUsersSubgraph } from '@verograph/users-subgraph';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { newUser, startWriterHarness, type WriterHarness } from '../testing/writerHarness.ts';

/**
 * The social graph end to end on the real engines: the users subgraph publishes each mutation's
 * command to this run's users.commands, the users writer decides and writes `connections` and
 * the follow tables, and the subgraph's lists read them back, as each side sees them.
 */
const secret = `social-int-${randomUUID()}`;
let h: WriterHarness;
let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;

beforeAll(async () => {
  h = await startWriterHarness(['users']);
  producer = await createProducer(h.kafka);
  server = await startUsersSubgraph({
    cassandra: h.cassandra,
    producer,
    logger: createLogger('social-graph-int', 'silent'),
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: 10_000,
    idSecret: `ids-${randomUUID()}`,
    commandsTopic: h.topics.usersCommands,
  });
  gql = signedGraphQLClient(server.url, secret, 'users');
});

afterAll(async () => {
  await server?.close();
  await producer?.disconnect();
  await h?.stop();
});

/** Runs an operation as `viewer` and answers its data, failing on any error. */
async function ok<T = Record<string, unknown>>(viewer: string | undefined, query: string, variables = {}) {
  const answer = await gql.query<T>(viewer, query, variables);
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return answer.data!;
}

async function signUp(prefix: string): Promise<string> {
  const user = newUser(prefix);
  const data = await ok<{ createProfile: { status: string } }>(
    user.id,
    'mutation($u: String!) { createProfile(input: { username: $u, displayName: "Someone" }) { status } }',
    { u: user.username },
  );
  expect(data.createProfile.status).toBe('APPLIED');
  return user.id;
}

/** A relationship mutation as `viewer`; answers its payload. */
async function relate(viewer: string, mutation: string, userId: string, level?: string) {
  const levelArg = level === undefined ? '' : `, level: ${level}`;
  const data = await ok<{ [k: string]: { status: string; reason: { code: string } | null; user: unknown } }>(
    viewer,
    `mutation($id: ID!) { ${mutation}(userId: $id${levelArg}) {
      status reason { code } user { id viewerConnectionLevel } } }`,
    { id: userId },
  );
  return data[mutation]!;
}

const REQUESTS = `query($d: ConnectionRequestDirection!) { me { connectionRequests(direction: $d) {
  edges { node { id } direction level requestedAt } pageInfo { hasNextPage endCursor } } } }`;

/** Who the viewer's pending requests in one direction name, with the level each edge shows. */
async function requests(viewer: string, direction: 'INCOMING' | 'OUTGOING') {
  const data = await ok<{
    me: {
      connectionRequests: { edges: Array<{ node: { id: string }; direction: string; level: string | null }> };
    };
  }>(viewer, REQUESTS, { d: direction });
  return data.me.connectionRequests.edges.map((e) => [e.node.id, e.direction, e.level]);
}

async function connections(viewer: string, level?: string) {
  const data = await ok<{ me: { connections: { edges: Array<{ node: { id: string }; level: string }> } } }>(
    viewer,
    'query($l: ConnectionLevel) { me { connections(level: $l) { edges { node { id } level } } } }',
    { l: level ?? null },
  );
  return data.me.connections.edges.map((e) => [e.node.id, e.level]);
}

describe('connection requests through the users subgraph and the users writer', () => {
  let ann: string;
  let ben: string;

  beforeAll(async () => {
    [ann, ben] = await Promise.all([signUp('ann'), signUp('ben')]);
  });

  it('shows a request to both sides: OUTGOING with the requester’s level, INCOMING without it', async () => {
    expect((await relate(ann, 'requestConnection', ben, 'CLOSE_FRIEND')).status).toBe('APPLIED');
    expect(await requests(ann, 'OUTGOING')).toEqual([[ben, 'OUTGOING', 'CLOSE_FRIEND']]);
    expect(await requests(ann, 'INCOMING')).toEqual([]);
    expect(await requests(ben, 'INCOMING')).toEqual([[ann, 'INCOMING', null]]);
    expect(await requests(ben, 'OUTGOING')).toEqual([]);
    // A pending request is not a connection.
    expect(await connections(ann)).toEqual([]);
    expect(await connections(ben)).toEqual([]);
  });

  it('given that request, when ben declines it, then it disappears for both sides', async () => {
    const wrongSide = await gql.query(ann, 'mutation($id: ID!) { declineConnection(userId: $id) { status } }', {
      id: ben,
    });
    expect(errorCodes(wrongSide)).toEqual(['NO_PENDING_REQUEST']);

    const declined = await relate(ben, 'declineConnection', ann);
    expect(declined).toMatchObject({ status: 'APPLIED', reason: null, user: { id: ann, viewerConnectionLevel: null } });
    expect(await requests(ben, 'INCOMING')).toEqual([]);
    expect(await requests(ann, 'OUTGOING')).toEqual([]);
  });

  it('given a new request, when ann cancels it, then it disappears for both sides', async () => {
    expect((await relate(ann, 'requestConnection', ben, 'FRIEND')).status).toBe('APPLIED');
    expect(await requests(ben, 'INCOMING')).toEqual([[ann, 'INCOMING', null]]);
    const wrongSide = await gql.query(ben, 'mutation($id: ID!) { cancelConnectionRequest(userId: $id) { status } }', {
      id: ann,
    });
    expect(errorCodes(wrongSide)).toEqual(['NO_PENDING_REQUEST']);

    const cancelled = await relate(ann, 'cancelConnectionRequest', ben);
    expect(cancelled).toMatchObject({
      status: 'APPLIED',
      reason: null,
      user: { id: ben, viewerConnectionLevel: null },
    });
    expect(await requests(ann, 'OUTGOING')).toEqual([]);
    expect(await requests(ben, 'INCOMING')).toEqual([]);
  });
});

describe('connections and their levels are private to their owner', () => {
  it('me.connections lists mine at my levels; anyone else asking user(id:) for them gets FORBIDDEN, no data', async () => {
    const [cat, dan, eve, stranger] = await Promise.all([
      signUp('cat'),
      signUp('dan'),
      signUp('eve'),
      signUp('stranger'),
    ]);
    for (const other of [dan, eve]) await relate(other, 'requestConnection', cat, 'ACQUAINTANCE');
    await relate(cat, 'acceptConnection', dan, 'CLOSE_FRIEND');
    await relate(cat, 'acceptConnection', eve, 'FRIEND');

    const byId = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(await connections(cat)).toEqual(
      byId([
        [dan, 'CLOSE_FRIEND'],
        [eve, 'FRIEND'],
      ]),
    );
    expect(await connections(cat, 'FRIEND')).toEqual([[eve, 'FRIEND']]);
    expect(await connections(dan)).toEqual([[cat, 'ACQUAINTANCE']]);
    // Asked through user(id:) with my own id, it is still mine.
    const mine = await ok<{ user: { connections: { edges: Array<{ node: { id: string }; level: string }> } } }>(
      eve,
      'query($id: ID!) { user(id: $id) { connections { edges { node { id } level } } } }',
      { id: eve },
    );
    expect(mine.user.connections.edges.map((e) => [e.node.id, e.level])).toEqual([[cat, 'ACQUAINTANCE']]);

    // Anyone else naming cat, a stranger or one of cat's own connections, gets FORBIDDEN and no data.
    for (const asker of [stranger, dan]) {
      for (const field of [
        'connections { edges { node { id } level } }',
        'connectionRequests(direction: INCOMING) { edges { node { id } level } }',
        'connectionRequests(direction: OUTGOING) { edges { node { id } level } }',
      ]) {
        const answer = await gql.query(asker, `query($id: ID!) { user(id: $id) { ${field} } }`, { id: cat });
        expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
        expect(answer.data).toEqual({ user: null });
        expect(JSON.stringify(answer)).not.toMatch(/CLOSE_FRIEND|ACQUAINTANCE|"FRIEND"/);
        expect(JSON.stringify(answer)).not.toContain(eve);
      }
    }
    // A stranger's own list is theirs: empty, whatever they know about cat.
    expect(await connections(stranger)).toEqual([]);
    // Anonymous: no me at all, and naming a user asks to sign in.
    expect(await ok(undefined, '{ me { id connections { edges { level } } } }')).toEqual({ me: null });
    const anonymous = await gql.query(
      undefined,
      'query($id: ID!) { user(id: $id) { connections { edges { level } } } }',
      {
        id: cat,
      },
    );
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data).toEqual({ user: null });
  });
});

describe('followers and following', () => {
  it('pages through a user’s followers and followings in id order, for signed-in viewers only', async () => {
    const star = await signUp('star');
    const fans = await Promise.all([1, 2, 3, 4, 5].map(() => signUp('fan')));
    for (const fan of fans) expect((await relate(fan, 'follow', star)).status).toBe('APPLIED');
    const query = `query($id: ID!, $after: String) { user(id: $id) {
      followers(first: 2, after: $after) { edges { cursor since node { id } } pageInfo { hasNextPage endCursor } } } }`;
    type Page = {
      user: {
        followers: {
          edges: Array<{ cursor: string; since: string; node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const page: Page = await ok<Page>(fans[0], query, { id: star, after });
      const { edges, pageInfo } = page.user.followers;
      seen.push(...edges.map((e) => e.node.id));
      for (const edge of edges) expect(Number.isNaN(Date.parse(edge.since))).toBe(false);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual([...fans].sort());

    const following = await ok<{ user: { following: { edges: Array<{ node: { id: string } }> } } }>(
      star,
      'query($id: ID!) { user(id: $id) { following { edges { node { id } } } } }',
      { id: fans[2] },
    );
    expect(following.user.following.edges.map((e) => e.node.id)).toEqual([star]);

    const anonymous = await gql.query(
      undefined,
      'query($id: ID!) { user(id: $id) { followers { edges { cursor } } } }',
      {
        id: star,
      },
    );
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const junk = await gql.query(
      fans[0],
      'query($id: ID!) { user(id: $id) { followers(after: "nope!") { edges { cursor } } } }',
      {
        id: star,
      },
    );
    expect(errorCodes(junk)).toEqual(['INVALID_CURSOR']);
  });
});
