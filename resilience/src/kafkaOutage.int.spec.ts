/**
 * The Kafka broker stopped for 20 s under mixed load, then restarted. Kafka carries every
 * command, event and outcome, so while it is away no mutation can be taken: each must say so
 * with the coded, retryable STORE_UNAVAILABLE within its wait for the outcome and a little
 * more (never a hang, a 500, or a gateway timeout), reads of the read models go on, and once
 * the broker is back every command a mutation answered ACCEPTED (or that a client resent) is
 * decided exactly once and shows in the feed once.
 *
 * Runs on private engines and the real services as separate processes (see README.md).
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { commandIdFor, createdIdFor, LOCAL_ID_DERIVATION_SECRET } from '@verograph/subgraph-kit';

import { createCleanups } from './cleanups.ts';
import { expectEachDecidedOnce } from './decisions.ts';
import {
  CREATE_POST,
  CREATE_PROFILE,
  errorCodes,
  FOLLOW,
  gatewayClient,
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
const viewer = `viewer-${run}`;
const authors = [`alice-${run}`, `bob-${run}`] as const;
const fans = [`fan0-${run}`, `fan1-${run}`] as const;
const OUTAGE_MS = 20_000;
/** The subgraphs' default wait for an outcome: the mutation path as deployed. */
const MUTATION_WAIT_MS = 2_000;
/** What a mutation may take beyond its wait: publishing, or finding that Kafka is away. */
const ANSWER_BOUND_MS = MUTATION_WAIT_MS + 3_000;
/** Kafka away is a store away: the one error a client retries with the same idempotency key. */
const RETRYABLE = new Set(['STORE_UNAVAILABLE']);

const FEED_PAGE = `query($after: String) { feed(first: 100, after: $after) {
  edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
const PROFILE = 'query($id: ID!) { user(id: $id) { id username } }';
const POST = 'query($id: ID!) { post(id: $id) { id caption } }';

/** Every command sent (command id → what it was): each must be decided exactly once. */
const sent = new Map<string, string>();
/** Every post whose mutation was answered with a payload. */
const posts = new Set<string>();

const cleanups = createCleanups();
let stack: PrivateStack;
let system: RunningSystem;
const as: Record<string, GatewayClient> = {};

async function applied(client: GatewayClient, mutation: string, variables: Record<string, unknown>, field: string) {
  const payload = await sendOnce(client, mutation, variables, field);
  expect(payload.status, JSON.stringify(payload)).toBe('APPLIED');
  sent.set(payload.commandId, `${field} ${JSON.stringify(variables)}`);
  return payload;
}

async function feedIds(client: GatewayClient): Promise<string[]> {
  type Page = {
    feed: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
  const ids: string[] = [];
  for (let after: string | null = null; ;) {
    const page: GraphQLResult<Page> = await client.request<Page>(FEED_PAGE, { after });
    if (page.errors || !page.data) throw new Error(`feed failed: ${JSON.stringify(page)}`);
    ids.push(...page.data.feed.edges.map((e) => e.node.id));
    if (!page.data.feed.pageInfo.hasNextPage) return ids;
    after = page.data.feed.pageInfo.endCursor;
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  stack = await createPrivateStack(['kafka', 'cassandra', 'elasticsearch', 'postgres']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka', 'cassandra', 'elasticsearch', 'postgres');
  const t1 = Date.now();
  system = await startSystem({
    ...stack.addresses,
    PROJECTORS: 'feeds,counters',
    MUTATION_WAIT_MS: String(MUTATION_WAIT_MS),
    // Far above the answer bound, so that a mutation hanging on Kafka shows as slow instead
    // of being cut short by the gateway as SUBGRAPH_UNAVAILABLE.
    SUBGRAPH_TIMEOUT_MS: '30000',
  });
  cleanups.add('stopping the services', () => system.stop());
  await Promise.all(
    [viewer, ...authors, ...fans].map(async (user) => {
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
  for (const author of authors) {
    const post = await applied(
      as[author]!,
      CREATE_POST,
      { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: 'first', clientMutationId: 'first' } },
      'createPost',
    );
    posts.add(createdIdFor(post.commandId, 'post'));
  }
  console.log(
    `resilience/kafka: private engines up in ${(t1 - t0) / 1000} s, services and users in ${(Date.now() - t1) / 1000} s`,
  );
}, 480_000);

afterAll(() => cleanups.runAll(), 180_000);

describe('Kafka stopped and restarted under load', () => {
  it('answers every mutation in time with a payload or STORE_UNAVAILABLE, reads go on, every command is applied once', async () => {
    onTestFailed(() => {
      const file = join(tmpdir(), `resilience-kafka-${run}.log`);
      system.writeLog(file);
      console.error(`resilience: the services' logs are in ${file}`);
    });
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const answers: Array<Answered<unknown>> = [];
    const clientOptions = () => ({ retryable: RETRYABLE, pauseMs: 500, deadline: Date.now() + 180_000 });
    const taken = <T>(answered: Answered<T>, what: string) => {
      answers.push(answered);
      expect(['APPLIED', 'ACCEPTED'], JSON.stringify(answered.payload)).toContain(answered.payload.status);
      sent.set(answered.payload.commandId, `${what}, answered ${answered.attempts.map((t) => t.answer).join(' ')}`);
      return answered.payload;
    };

    const posting = steadyLoad(async (n) => {
      const author = authors[n % authors.length]!;
      const payload = taken(
        await sendUntilAnswered(
          as[author]!,
          CREATE_POST,
          { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `number ${n}`, clientMutationId: `p${n}` } },
          'createPost',
          clientOptions(),
        ),
        `createPost p${n} by ${author}`,
      );
      posts.add(createdIdFor(payload.commandId, 'post'));
    }, 200);
    const pairs = fans.flatMap((fan) => authors.map((author) => [fan, author] as const));
    const following = steadyLoad(async (n) => {
      const pair = pairs[n];
      if (pair === undefined) return;
      const [fan, author] = pair;
      taken(
        await sendUntilAnswered(as[fan]!, FOLLOW, { u: author, m: `f${n}` }, 'follow', clientOptions()),
        `follow f${n} of ${author} by ${fan}`,
      );
    }, 6_000);
    // A reader of the read models, which need no Kafka: every answer must be whole.
    const reads: Array<{ at: number; answer: string }> = [];
    const reading = steadyLoad(async (n) => {
      const latest = [...posts].at(-1)!;
      const results = await Promise.all([
        as[viewer]!.request('query { feed(first: 5) { edges { node { id } } } }'),
        as[viewer]!.request(PROFILE, { id: authors[n % authors.length] }),
        as[viewer]!.request(POST, { id: latest }),
      ]);
      const answer = results.map(
        (r) => (r.status === 200 ? '' : `HTTP ${r.status} `) + (errorCodes(r).join(',') || 'ok'),
      );
      reads.push({ at: Date.now(), answer: answer.join(' ') });
    }, 500);
    const loads = { posting, following, reading };
    cleanups.add('stopping the load', () => stopLoads(...Object.values(loads)));
    await sleep(4_000);

    // A command durably in Kafka but undecided when the broker goes (the writers paused): its
    // mutation answers ACCEPTED, and the command must be applied once the broker is back.
    const watchBefore = await watchTopics([stack.addresses.KAFKA_BROKERS!]);
    system.signal('writers', 'SIGSTOP');
    const inFlightId = commandIdFor({
      viewerId: authors[0],
      mutation: 'createPost',
      idempotencyKey: 'in-flight',
      secret: process.env.ID_DERIVATION_SECRET ?? LOCAL_ID_DERIVATION_SECRET,
    });
    const inFlight = as[authors[0]]!.request<{ createPost: { status: string; commandId: string } }>(CREATE_POST, {
      input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: 'in flight', clientMutationId: 'in-flight' },
    });
    await eventually('the in-flight command on posts.commands', async () =>
      watchBefore.commandIds.includes(inFlightId) ? true : undefined,
    );
    await watchBefore.stop();
    sent.set(inFlightId, 'createPost in flight');
    posts.add(createdIdFor(inFlightId, 'post'));

    const stoppingAt = Date.now();
    expect(await stack.down('kafka')).toMatch(/kafka\s+stopped/);
    const downAt = Date.now();
    system.signal('writers', 'SIGCONT');
    const inFlightAnswer = await inFlight;
    await sleep(OUTAGE_MS);
    const upStartedAt = Date.now();
    await stack.up('kafka');
    const upAt = Date.now();
    const takenAgainAt = await eventually(
      'a mutation answered with a payload after Kafka came back',
      async () => {
        const times = answers
          .flatMap((a) => a.attempts)
          .filter((t) => t.at > upAt && ['APPLIED', 'ACCEPTED'].includes(t.answer));
        return times.length > 0 ? Math.min(...times.map((t) => t.at)) : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await sleep(3_000);
    await Promise.all(Object.values(loads).map((load) => load.stop()));
    const attempts = answers.flatMap((a) => a.attempts);
    const slowest = Math.max(...attempts.map((t) => t.ms));
    console.log(
      `resilience/kafka: ${sent.size} commands; mutation answers ` +
        `${JSON.stringify(Object.fromEntries(tally(attempts.map((t) => t.answer))))}, the slowest in ${seconds(slowest)}; ` +
        `reads ${JSON.stringify(Object.fromEntries(tally(reads.map((r) => r.answer))))}; stopping took ` +
        `${seconds(downAt - stoppingAt)}, down ${seconds(upStartedAt - downAt)}, starting ${seconds(upAt - upStartedAt)}; ` +
        `mutations were taken again ${seconds(takenAgainAt - upAt)} after it was back`,
    );
    for (const [name, load] of Object.entries(loads)) expect(load.failure(), name).toBeUndefined();

    // Every answer in time: a payload, or the retryable code while the broker was away (or the
    // gateway's OVERLOADED, which a busy machine may answer to a burst: coded, retryable, nothing sent).
    expect(attempts.filter((t) => t.ms > ANSWER_BOUND_MS)).toEqual([]);
    expect(
      attempts.filter((t) => !['APPLIED', 'ACCEPTED', 'STORE_UNAVAILABLE', 'OVERLOADED'].includes(t.answer)),
    ).toEqual([]);
    expect(
      attempts.filter((t) => t.at > downAt + ANSWER_BOUND_MS && t.at < upStartedAt && t.answer === 'STORE_UNAVAILABLE')
        .length,
    ).toBeGreaterThanOrEqual(5);
    expect.soft(errorCodes(inFlightAnswer), JSON.stringify(inFlightAnswer)).toEqual([]);
    expect.soft(inFlightAnswer.data?.createPost).toMatchObject({ status: 'ACCEPTED', commandId: inFlightId });
    // The read models answered all along.
    expect(reads.filter((r) => r.at > downAt && r.at < upStartedAt).length).toBeGreaterThanOrEqual(10);
    expect(reads.filter((r) => r.answer !== 'ok ok ok')).toEqual([]);

    // Every command decided exactly once, from a watch that reads the topics from their beginning.
    const watch: TopicWatch = await watchTopics([stack.addresses.KAFKA_BROKERS!]);
    cleanups.add('stopping the topic watch', () => watch.stop());
    const { resent } = await expectEachDecidedOnce(watch, sent);
    // And applied once: the viewer's feed holds every post once. A consumer that crashed while
    // the broker was away restarts on kafkajs's backoff (up to 30 s between tries), then rejoins.
    await eventually(
      'the feed to hold every post',
      async () => ((await feedIds(as[viewer]!)).length >= posts.size ? true : undefined),
      { timeoutMs: 120_000 },
    ).catch(async (error: unknown) => {
      // Slow, or a consumer that never came back? The projectors' readiness names each group.
      const ready = await fetch(`${system.service('projectors').opsUrl}/health/ready`)
        .then(async (r) => `${r.status} ${await r.text()}`)
        .catch((e: unknown) => String(e));
      const held = (await feedIds(as[viewer]!).catch(() => [])).length;
      throw new Error(`${String(error)}: the feed holds ${held} of ${posts.size} posts; projectors ready: ${ready}`, {
        cause: error,
      });
    });
    const feed = await feedIds(as[viewer]!);
    expect(feed.length).toBe(posts.size);
    expect(new Set(feed)).toEqual(posts);

    expect(system.exited()).toEqual([]);
    expect(system.fatalLines()).toEqual([]);
    console.log(`resilience/kafka: ${resent} commands were in Kafka twice (resent undecided) and decided once`);
  }, 480_000);
});
