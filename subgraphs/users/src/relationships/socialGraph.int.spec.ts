import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { connectionId } from '@verograph/domain';
import type { MessageProducer } from '@verograph/messaging';
import { createKafka, createProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { encodeCursor } from '@verograph/subgraph-kit';
import type { ReadModelFixtures, SignedGraphQLClient, TopicCapture } from '@verograph/subgraph-kit/testing';
import {
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

import { startUsersSubgraph } from '../usersSubgraph.ts';

/**
 * The social graph's reads and the checks of its mutations, on read-model rows written by the
 * fixtures; commands go to a topic of this run that no writer reads (the whole path, writer
 * included, is writers/src/users/socialGraphThroughApi.int.spec.ts).
 */
const secret = `social-subgraph-${randomUUID()}`;
const commandsTopic = `users.commands.social-${randomUUID().slice(0, 8)}`;
let client: cassandra.Client;
let kafka: Kafka;
let producer: MessageProducer;
let server: SubgraphServer;
let gql: SignedGraphQLClient;
let fx: ReadModelFixtures;
let capture: TopicCapture;

beforeAll(async () => {
  client = await localCassandra('social-graph-subgraph-int');
  kafka = createKafka('social-graph-subgraph-int', engineAddresses().kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: commandsTopic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  producer = await createProducer(kafka);
  capture = await startTopicCapture(kafka, commandsTopic);
  server = await startUsersSubgraph({
    cassandra: client,
    producer,
    logger: createLogger('social-graph-subgraph-int', 'silent'),
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    mutationWaitMs: 200,
    idSecret: `ids-${randomUUID()}`,
    commandsTopic,
  });
  gql = signedGraphQLClient(server.url, secret, 'users');
  fx = readModelFixtures(client);
});

afterAll(async () => {
  await server?.close();
  await capture?.stop();
  await producer?.disconnect();
  const admin = kafka?.admin();
  if (admin) {
    await admin.connect();
    await admin.deleteTopics({ topics: [commandsTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
  await client?.shutdown();
});

interface Page {
  edges: Array<{ cursor: string; node: { id: string }; level?: string | null; direction?: string }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every id a list shows, page by page of `first`, following endCursor. */
async function all(viewer: string, list: (after: string | null) => Promise<Page>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const page = await list(after);
    ids.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
  }
  throw new Error(`${viewer}'s list did not end`);
}

const REQUESTS = `query($d: ConnectionRequestDirection!, $first: Int, $after: String) { me {
  connectionRequests(direction: $d, first: $first, after: $after) {
    edges { cursor node { id } direction level } pageInfo { hasNextPage endCursor } } } }`;

describe('the social graph lists', () => {
  it('pages incoming requests among many rows of other states, each once, in id order', async () => {
    const me = await fx.user();
    const askers = await Promise.all([1, 2, 3].map(() => fx.user()));
    const others = await Promise.all([1, 2, 3, 4].map(() => fx.user()));
    for (const asker of askers) await fx.request(asker, me, 'FRIEND');
    for (const [i, other] of others.entries()) {
      if (i % 2 === 0) await fx.connect(me, other, 'FRIEND', 'FRIEND');
      else await fx.request(me, other, 'ACQUAINTANCE');
    }
    const incoming = await all(me, async (after) => {
      const answer = await gql.query<{ me: { connectionRequests: Page } }>(me, REQUESTS, {
        d: 'INCOMING',
        first: 1,
        after,
      });
      expect(answer.errors).toBeUndefined();
      for (const edge of answer.data!.me.connectionRequests.edges) {
        // The requester's level is theirs: the fixture wrote it on both rows, the list never shows it.
        expect(edge).toMatchObject({ direction: 'INCOMING', level: null });
      }
      return answer.data!.me.connectionRequests;
    });
    expect(incoming).toEqual([...askers].sort());
    const outgoing = await gql.query<{ me: { connectionRequests: Page } }>(me, REQUESTS, { d: 'OUTGOING' });
    expect(outgoing.data!.me.connectionRequests.edges.map((e) => [e.node.id, e.level])).toEqual(
      [others[1]!, others[3]!].sort().map((id) => [id, 'ACQUAINTANCE']),
    );
  });

  it('stops a filtered page on its budget with a cursor that resumes past the rows it read', async () => {
    const me = await fx.user();
    // 1,001 connections whose ids sort before any fixture user's ("u-0-" < "u-<hex>"): more
    // than one page's budget (10 chunks of 100) to read before the one pending request.
    const fillers = Array.from({ length: 1001 }, (_, i) => `u-0-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < fillers.length; i += 100) {
      await Promise.all(
        fillers
          .slice(i, i + 100)
          .map((other) =>
            client.execute(
              "INSERT INTO connections (user_id, other_id, state, my_level, updated_at) VALUES (?, ?, 'CONNECTED', 'FRIEND', ?)",
              [me, other, new Date()],
              { prepare: true },
            ),
          ),
      );
    }
    const asker = await fx.user();
    await fx.request(asker, me, 'FRIEND');
    const pages: Page[] = [];
    const ids = await all(me, async (after) => {
      const answer = await gql.query<{ me: { connectionRequests: Page } }>(me, REQUESTS, {
        d: 'INCOMING',
        first: 5,
        after,
      });
      pages.push(answer.data!.me.connectionRequests);
      return answer.data!.me.connectionRequests;
    });
    expect(ids).toEqual([asker]);
    expect(pages.map((p) => [p.edges.length, p.pageInfo.hasNextPage])).toEqual([
      [0, true],
      [1, false],
    ]);
  });

  it('skips a follower without a profile and still knows when the list ends', async () => {
    const star = await fx.user();
    const fans = await Promise.all([1, 2].map(() => fx.user()));
    for (const fan of fans) await fx.follow(fan, star);
    await fx.follow(`u-zzzz-${randomUUID()}`, star);
    const answer = await gql.query<{ user: { followers: Page } }>(
      fans[0],
      'query($id: ID!) { user(id: $id) { followers(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }',
      { id: star },
    );
    expect(answer.data!.user.followers.edges.map((e) => e.node.id)).toEqual([...fans].sort());
    // The profile-less row sorts last ("u-zzzz-"): the scan reads past it and knows nothing follows.
    expect(answer.data!.user.followers.pageInfo.hasNextPage).toBe(false);
  });

  it('answers INVALID_CURSOR for cursors it did not give out, FIRST_TOO_LARGE past 100', async () => {
    const me = await fx.user();
    const list = '{ me { connections(after: $a) { edges { cursor } } } }';
    for (const bad of ['!!', encodeCursor({ t: 1, id: 'x' }), encodeCursor({ id: '' }), encodeCursor([1])]) {
      const answer = await gql.query(me, `query($a: String) ${list}`, { a: bad });
      expect(errorCodes(answer)).toEqual(['INVALID_CURSOR']);
    }
    const tooMany = await gql.query(
      me,
      'query($id: ID!) { user(id: $id) { following(first: 101) { edges { cursor } } } }',
      {
        id: me,
      },
    );
    expect(errorCodes(tooMany)).toEqual(['FIRST_TOO_LARGE']);
  });
});

describe('declineConnection and cancelConnectionRequest, up to the command', () => {
  const published = async (commandId: string) =>
    (await capture.settled())
      .map((record) => ({ record, command: fromBinary(UserCommandSchema, record.value) }))
      .filter(({ command }) => command.envelope?.commandId === commandId);

  it('publishes one command keyed by the pair, acting as the viewer on the request’s right side', async () => {
    const [asker, asked] = [await fx.user(), await fx.user()];
    await fx.request(asker, asked, 'FRIEND');
    const decline = await gql.query<{ declineConnection: { commandId: string; status: string } }>(
      asked,
      'mutation($id: ID!) { declineConnection(userId: $id) { commandId status } }',
      { id: asker },
    );
    expect(decline.data!.declineConnection.status).toBe('ACCEPTED');
    const [declined] = await published(decline.data!.declineConnection.commandId);
    expect(declined!.record.key).toBe(connectionId(asker, asked));
    expect(declined!.command.command).toMatchObject({
      case: 'declineConnection',
      value: { declinerId: asked, requesterId: asker },
    });

    const cancel = await gql.query<{ cancelConnectionRequest: { commandId: string; status: string } }>(
      asker,
      'mutation($id: ID!) { cancelConnectionRequest(userId: $id) { commandId status } }',
      { id: asked },
    );
    expect(cancel.data!.cancelConnectionRequest.status).toBe('ACCEPTED');
    const [cancelled] = await published(cancel.data!.cancelConnectionRequest.commandId);
    expect(cancelled!.record.key).toBe(connectionId(asker, asked));
    expect(cancelled!.command.command).toMatchObject({
      case: 'cancelConnectionRequest',
      value: { requesterId: asker, addresseeId: asked },
    });
  });

  it('refuses what cannot be declined or withdrawn, with coded errors and nothing published', async () => {
    const [me, friend, asker, asked, stranger] = [
      await fx.user(),
      await fx.user(),
      await fx.user(),
      await fx.user(),
      await fx.user(),
    ];
    await fx.connect(me, friend, 'FRIEND', 'FRIEND');
    await fx.request(asker, me, 'FRIEND');
    await fx.request(me, asked, 'FRIEND');
    const before = (await capture.settled()).length;
    const q = (m: string) => `mutation($id: ID!) { ${m}(userId: $id) { status } }`;
    const codes = async (viewer: string | undefined, m: string, id: string) =>
      errorCodes(await gql.query(viewer, q(m), { id }));
    expect(await codes(me, 'declineConnection', friend)).toEqual(['CONNECTION_EXISTS']);
    expect(await codes(me, 'cancelConnectionRequest', friend)).toEqual(['CONNECTION_EXISTS']);
    expect(await codes(me, 'declineConnection', asked)).toEqual(['NO_PENDING_REQUEST']);
    expect(await codes(me, 'cancelConnectionRequest', asker)).toEqual(['NO_PENDING_REQUEST']);
    expect(await codes(me, 'declineConnection', stranger)).toEqual(['NO_PENDING_REQUEST']);
    expect(await codes(me, 'cancelConnectionRequest', me)).toEqual(['CANNOT_TARGET_SELF']);
    expect(await codes(undefined, 'declineConnection', asker)).toEqual(['UNAUTHENTICATED']);
    expect((await capture.settled()).length).toBe(before);
  });
});
