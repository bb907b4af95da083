/**
 * PostgreSQL stopped for 20 s under load, then restarted. PostgreSQL holds only the
 * collections read model (collections, their items, and the post audiences they check), so
 * its outage must stay local: collections answer the coded, retryable STORE_UNAVAILABLE,
 * posts, the feed, profiles and search go on, and once PostgreSQL is back the collections
 * projector catches up: every post written meanwhile is known to it, and every post a client
 * added to the collection is in it once.
 *
 * Runs on private engines and the real services as separate processes (see README.md).
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { stackCredentials } from '@verograph/stack/testing';
import { createdIdFor } from '@verograph/subgraph-kit';

import { createCleanups } from './cleanups.ts';
import { expectEachDecidedOnce } from './decisions.ts';
import {
  CREATE_POST,
  CREATE_PROFILE,
  errorCodes,
  FOLLOW,
  gatewayClient,
  PAYLOAD,
  sendOnce,
  sendUntilAnswered,
  type Answered,
  type GatewayClient,
  type GraphQLResult,
} from './gatewayClient.ts';
import { createPrivateStack, type PrivateStack } from './privateStack.ts';
import { eventually, steadyLoad, stopLoads } from './steadyLoad.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { tally, watchTopics, type TopicWatch } from './topicWatch.ts';

const run = randomUUID().slice(0, 8);
const marker = `zq${run.replace(/[^a-f]/g, '')}pgout`;
const viewer = `viewer-${run}`;
const authors = [`alice-${run}`, `bob-${run}`] as const;
const collector = authors[0];
const OUTAGE_MS = 20_000;
/** Posts need no PostgreSQL: none may need a second try. */
const NOTHING_RETRYABLE = new Set<string>();
/**
 * Adding to a collection checks the collection and the post in PostgreSQL: STORE_UNAVAILABLE
 * while it is away; POST_NOT_FOUND while its projector has not shown a new post yet.
 */
const COLLECTING_RETRYABLE = new Set(['STORE_UNAVAILABLE', 'POST_NOT_FOUND']);

const CREATE_COLLECTION = `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { ${PAYLOAD} } }`;
const ADD_TO_COLLECTION = `mutation($c: ID!, $p: ID!, $m: String) {
  addToCollection(collectionId: $c, postId: $p, clientMutationId: $m) { ${PAYLOAD} } }`;
const COLLECTION = 'query($id: ID!) { collection(id: $id) { postCount posts(first: 100) { edges { node { id } } } } }';
const FEED_TOP = 'query { feed(first: 5) { edges { node { id } } } }';
const PROFILE = 'query($id: ID!) { user(id: $id) { id username followerCount } }';
const POST = 'query($id: ID!) { post(id: $id) { id caption author { id } } }';
const SEARCH_FIRST = 'query($q: String!) { search(query: $q, first: 5) { edges { cursor } } }';

const sent = new Map<string, string>();
/** Every post, and when its mutation was answered. */
const posts = new Map<string, { author: string; answeredAt: number }>();
/** Posts added to the collection, and when the addition was answered. */
const collected = new Map<string, { answeredAt: number }>();
let collectionId: string;

const cleanups = createCleanups();
let stack: PrivateStack;
let system: RunningSystem;
let watch: TopicWatch;
const as: Record<string, GatewayClient> = {};

async function applied(client: GatewayClient, mutation: string, variables: Record<string, unknown>, field: string) {
  const payload = await sendOnce(client, mutation, variables, field);
  expect(payload.status, JSON.stringify(payload)).toBe('APPLIED');
  sent.set(payload.commandId, `${field} ${JSON.stringify(variables)}`);
  return payload;
}

beforeAll(async () => {
  const t0 = Date.now();
  stack = await createPrivateStack(['kafka', 'cassandra', 'elasticsearch', 'postgres']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka', 'cassandra', 'elasticsearch', 'postgres');
  const t1 = Date.now();
  system = await startSystem({
    ...stack.addresses,
    PROJECTORS: 'feeds,counters,search,collections',
    SUBGRAPH_TIMEOUT_MS: '15000',
  });
  cleanups.add('stopping the services', () => system.stop());
  watch = await watchTopics([stack.addresses.KAFKA_BROKERS!]);
  cleanups.add('stopping the topic watch', () => watch.stop());
  await Promise.all(
    [viewer, ...authors].map(async (user) => {
      as[user] = await gatewayClient(system.gatewayUrl, user);
      await applied(
        as[user]!,
        CREATE_PROFILE,
        { input: { username: user.replace('-', '_'), displayName: `Resilience ${user}` } },
        'createProfile',
      );
    }),
  );
  for (const author of authors) await applied(as[viewer]!, FOLLOW, { u: author, m: `follow-${author}` }, 'follow');
  const created = await applied(
    as[collector]!,
    CREATE_COLLECTION,
    { input: { title: `Through the outage ${run}`, clientMutationId: 'collection' } },
    'createCollection',
  );
  collectionId = createdIdFor(created.commandId, 'collection');
  for (const author of authors) {
    const post = await applied(
      as[author]!,
      CREATE_POST,
      { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `${marker} first`, clientMutationId: 'first' } },
      'createPost',
    );
    posts.set(createdIdFor(post.commandId, 'post'), { author, answeredAt: Date.now() });
  }
  console.log(
    `resilience/postgres: private engines up in ${(t1 - t0) / 1000} s, services and users in ${(Date.now() - t1) / 1000} s`,
  );
}, 480_000);

afterAll(() => cleanups.runAll(), 180_000);

describe('PostgreSQL stopped and restarted under load', () => {
  it('stays local: collections say STORE_UNAVAILABLE, everything else goes on, the collections projector catches up', async () => {
    onTestFailed(() => {
      const file = join(tmpdir(), `resilience-postgres-${run}.log`);
      system.writeLog(file);
      console.error(`resilience: the services' logs are in ${file}`);
    });
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const answers: Array<Answered<unknown>> = [];
    const taken = (answered: Answered<unknown>, what: string) => {
      answers.push(answered);
      expect(['APPLIED', 'ACCEPTED'], JSON.stringify(answered.payload)).toContain(answered.payload.status);
      sent.set(answered.payload.commandId, `${what}, answered ${answered.attempts.map((t) => t.answer).join(' ')}`);
      return answered.payload;
    };

    const posting = steadyLoad(async (n) => {
      const author = authors[n % authors.length]!;
      const answered = await sendUntilAnswered(
        as[author]!,
        CREATE_POST,
        { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `${marker} ${n}`, clientMutationId: `p${n}` } },
        'createPost',
        { retryable: NOTHING_RETRYABLE, pauseMs: 0, deadline: 0 },
      );
      const payload = taken(answered, `createPost p${n} by ${author}`);
      posts.set(createdIdFor(payload.commandId, 'post'), { author, answeredAt: Date.now() });
    }, 250);
    const collecting = steadyLoad(async (n) => {
      // The collector's newest post not yet collected: through the outage, the client resends.
      const postId = [...posts].filter(([id, p]) => p.author === collector && !collected.has(id)).at(-1)?.[0];
      if (postId === undefined) return;
      const answered = await sendUntilAnswered(
        as[collector]!,
        ADD_TO_COLLECTION,
        { c: collectionId, p: postId, m: `a${n}` },
        'addToCollection',
        { retryable: COLLECTING_RETRYABLE, pauseMs: 500, deadline: Date.now() + 150_000 },
      );
      taken(answered, `addToCollection a${n} of ${postId}`);
      collected.set(postId, { answeredAt: Date.now() });
    }, 1_000);
    type Probe = { startedAt: number; at: number; collection: string; others: string };
    const probes: Probe[] = [];
    const answerOf = (result: GraphQLResult<unknown>) =>
      (result.status === 200 ? '' : `HTTP ${result.status} `) + (errorCodes(result).join(',') || 'ok');
    const reading = steadyLoad(async () => {
      const latest = [...posts.keys()].at(-1)!;
      const startedAt = Date.now();
      const [collection, ...others] = await Promise.all([
        as[viewer]!.request(COLLECTION, { id: collectionId }),
        as[viewer]!.request(FEED_TOP),
        as[viewer]!.request(PROFILE, { id: authors[1] }),
        as[viewer]!.request(POST, { id: latest }),
        as[viewer]!.request(SEARCH_FIRST, { q: marker }),
      ]);
      probes.push({
        startedAt,
        at: Date.now(),
        collection: answerOf(collection),
        others: others.map(answerOf).join(' '),
      });
    }, 1_000);
    const loads = { posting, collecting, reading };
    cleanups.add('stopping the load', () => stopLoads(...Object.values(loads)));

    await sleep(5_000);
    const stoppingAt = Date.now();
    // SIGTERM is PostgreSQL's smart shutdown, which waits for every session to end; the
    // services' pools never end theirs, so the stack kills it after its grace period: a crash,
    // recovered from its WAL on the next start.
    expect(await stack.down('postgres')).toMatch(/postgres\s+(stopped|killed)/);
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    const upStartedAt = Date.now();
    await stack.up('postgres');
    const upAt = Date.now();
    const collectionAgainAt = await eventually(
      `the collection to answer again (${reading.steps()} reads so far)`,
      async () => {
        // A reader that stopped on an error takes no more probes: say why instead of waiting.
        if (reading.failure() !== undefined) throw reading.failure();
        return probes.find((p) => p.startedAt > upAt && p.collection === 'ok')?.at;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; ${reading.steps()} reads, the last: ${JSON.stringify(probes.slice(-3))}`);
    });
    // After the return, the collector adds posts written while PostgreSQL was away: their
    // audiences reach the collections read model only through its projector catching up.
    // The collecting client stops first: the post it resent through the outage is one of them.
    await collecting.stop();
    const writtenInOutage = [...posts]
      .filter(([, p]) => p.author === collector && p.answeredAt > downAt && p.answeredAt < upStartedAt)
      .filter(([id]) => !collected.has(id))
      .slice(0, 5)
      .map(([id]) => id);
    expect(writtenInOutage.length).toBeGreaterThan(0);
    for (const [i, postId] of writtenInOutage.entries()) {
      const answered = await sendUntilAnswered(
        as[collector]!,
        ADD_TO_COLLECTION,
        { c: collectionId, p: postId, m: `after${i}` },
        'addToCollection',
        { retryable: COLLECTING_RETRYABLE, pauseMs: 500, deadline: Date.now() + 90_000 },
      );
      taken(answered, `addToCollection after${i} of ${postId}, written during the outage`);
      collected.set(postId, { answeredAt: Date.now() });
    }
    await sleep(3_000);
    await Promise.all(Object.values(loads).map((load) => load.stop()));
    const attempts = answers.flatMap((a) => a.attempts);
    const outage = probes.filter((p) => p.startedAt > downAt && p.at < upStartedAt);
    console.log(
      `resilience/postgres: ${posts.size} posts, ${collected.size} collected; mutation answers ` +
        `${JSON.stringify(Object.fromEntries(tally(attempts.map((t) => t.answer))))}; collection reads ` +
        `${JSON.stringify(Object.fromEntries(tally(probes.map((p) => p.collection))))} (${outage.length} probes while down); ` +
        `stopping took ${seconds(downAt - stoppingAt)}, down ${seconds(upStartedAt - downAt)}, ` +
        `starting ${seconds(upAt - upStartedAt)}; the collection answered again ${seconds(collectionAgainAt - upAt)} after`,
    );
    for (const [name, load] of Object.entries(loads)) expect(load.failure(), name).toBeUndefined();

    // Posts were taken at first try throughout, many while PostgreSQL was away.
    const postsInOutage = [...posts.values()].filter((p) => p.answeredAt > downAt && p.answeredAt < upStartedAt);
    expect(postsInOutage.length).toBeGreaterThan(OUTAGE_MS / 1_000);
    // While it was away, collections said so with their code; everything else answered whole.
    expect(outage.length).toBeGreaterThanOrEqual(10);
    expect(outage.filter((p) => p.collection !== 'STORE_UNAVAILABLE')).toEqual([]);
    expect(probes.filter((p) => !['ok', 'STORE_UNAVAILABLE'].includes(p.collection))).toEqual([]);
    expect(probes.filter((p) => p.others !== 'ok ok ok ok')).toEqual([]);
    expect(attempts.filter((t) => t.answer === 'STORE_UNAVAILABLE').length).toBeGreaterThan(0);

    // Nothing lost: every command decided once; the collections projector knows every post,
    // those written during the outage included, and the collection holds each addition once.
    const { resent } = await expectEachDecidedOnce(watch, sent);
    // The private stack has the test stack's credentials; the spec reads as its admin.
    const signedIn = new URL(stack.addresses.POSTGRES_URL!);
    const admin = stackCredentials().postgres.admin;
    signedIn.username = encodeURIComponent(admin.username);
    signedIn.password = encodeURIComponent(admin.password);
    const client = new pg.Client({ connectionString: signedIn.toString() });
    await client.connect();
    cleanups.add('closing the PostgreSQL client', () => client.end());
    const expectedPosts = [...posts.keys()].sort();
    await eventually(
      'the collections read model to know every post',
      async () => {
        const { rows } = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM post_audiences WHERE post_id = ANY($1)',
          [expectedPosts],
        );
        return Number(rows[0]!.n) === expectedPosts.length ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const { rows } = await client.query<{ post_id: string }>(
      'SELECT post_id FROM collection_items WHERE collection_id = $1',
      [collectionId],
    );
    expect(rows.map((r) => r.post_id).sort()).toEqual([...collected.keys()].sort());
    const seen = await as[viewer]!.request<{
      collection: { postCount: number; posts: { edges: Array<{ node: { id: string } }> } };
    }>(COLLECTION, { id: collectionId });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.collection.postCount).toBe(collected.size);
    expect(seen.data!.collection.posts.edges.map((e) => e.node.id).sort()).toEqual([...collected.keys()].sort());
    expect(system.exited()).toEqual([]);
    expect(system.fatalLines()).toEqual([]);
    expect(
      await system.metric('projectors', 'message_retries_total', { group: 'projectors.collections' }),
    ).toBeGreaterThan(0);
    console.log(`resilience/postgres: ${resent} commands were in Kafka twice and decided once`);
  }, 420_000);
});
