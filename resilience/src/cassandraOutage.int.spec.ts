/**
 * Cassandra stopped and restarted under load. Cassandra holds the system of record (the
 * writers' decisions and aggregates) and the read models of users, posts and feeds; Kafka
 * holds the commands. While Cassandra is away, commands keep reaching Kafka, the writers and
 * projectors wait and retry instead of failing or skipping, and once it is back every command
 * is decided exactly once and every read model matches what was sent.
 *
 * Runs on private engines (all four, in a temp STACK_DIR on free ports) and the real services
 * as separate processes, so the shared engines are never stopped, and their restarts by others
 * cannot disturb the count.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { cassandraSignIn } from '@verograph/stack/testing';

import { commandIdFor, createdIdFor, LOCAL_ID_DERIVATION_SECRET } from '@verograph/subgraph-kit';

import { createCleanups } from './cleanups.ts';
import { createCommandPublisher, type PublishedCommand } from './commandPublisher.ts';
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
import { indexedIds, searchAll } from './searchIndex.ts';
import { eventually, steadyLoad, stopLoads } from './steadyLoad.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { tally, watchTopics, type TopicWatch } from './topicWatch.ts';

const run = randomUUID().slice(0, 8);
/** A word in every caption of this run, to find its posts with search. */
const marker = `zq${run.replace(/[^a-f]/g, '')}resil`;
const viewer = `viewer-${run}`;
const authors = [`alice-${run}`, `bob-${run}`] as const;
/** Posts as a client whose mutation passed its checks: published straight to Kafka. */
const directAuthor = `dora-${run}`;
const everyAuthor = [...authors, directAuthor];
/** Users who follow the authors one by one while the load runs, through the outage. */
const fans = [`fan0-${run}`, `fan1-${run}`, `fan2-${run}`] as const;
/**
 * The one error a client may retry (with the same idempotency key): a store is away. Any
 * other, SUBGRAPH_UNAVAILABLE included (a subgraph that hung past the gateway's timeout),
 * fails the test.
 */
const RETRYABLE = new Set(['STORE_UNAVAILABLE']);
const OUTAGE_MS = 15_000;
const MUTATION_WAIT_MS = 20_000;

const COMMENT = `mutation($p: ID!, $t: String!, $m: String) {
  commentOnPost(postId: $p, text: $t, clientMutationId: $m) { ${PAYLOAD} comment { id } } }`;
const FEED_PAGE = `query($after: String) { feed(first: 100, after: $after) {
  edges { node { id createdAt commentCount author { id } } } pageInfo { hasNextPage endCursor } } }`;
const COUNTS = 'query($id: ID!) { user(id: $id) { followerCount followingCount } }';

/** What was sent, and so what the system must show once it has caught up. */
const model = {
  /** Every command that reached Kafka: each must get exactly one outcome. */
  commands: new Set<string>(),
  /** What each command was, to name it when its outcome is wrong. */
  sent: new Map<string, string>(),
  postsByAuthor: new Map<string, Set<string>>(),
  commentsByPost: new Map<string, number>(),
  /** Posts whose createPost answered APPLIED: those a comment may already be about. */
  appliedPosts: [] as string[],
  /** Who follows whom (follower → followees). */
  follows: new Map<string, Set<string>>(),
};
const addFollow = (follower: string, followee: string) =>
  model.follows.set(follower, (model.follows.get(follower) ?? new Set<string>()).add(followee));
const followerCount = (user: string) => [...model.follows.values()].filter((f) => f.has(user)).length;
const addPost = (author: string, postId: string) => {
  const posts = model.postsByAuthor.get(author) ?? new Set<string>();
  posts.add(postId);
  model.postsByAuthor.set(author, posts);
};
const addCommand = (commandId: string, what: string) => {
  model.commands.add(commandId);
  model.sent.set(commandId, what);
};
const allPosts = () => new Set([...model.postsByAuthor.values()].flatMap((s) => [...s]));

const cleanups = createCleanups();
let stack: PrivateStack;
let system: RunningSystem;
let watch: TopicWatch;
const as: Record<string, GatewayClient> = {};

/** A mutation sent until answered, which must be APPLIED (set-up runs with every engine up). */
async function applied(client: GatewayClient, mutation: string, variables: Record<string, unknown>, field: string) {
  const payload = await sendOnce(client, mutation, variables, field);
  expect(payload.status, JSON.stringify(payload)).toBe('APPLIED');
  addCommand(payload.commandId, `${field} ${JSON.stringify(variables)}`);
}

beforeAll(async () => {
  const t0 = Date.now();
  // Every engine private, Elasticsearch and PostgreSQL included (the search and collections
  // subgraphs must be ready for the gateway to be): nothing outside this test can move them.
  stack = await createPrivateStack(['kafka', 'cassandra', 'elasticsearch', 'postgres']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka', 'cassandra', 'elasticsearch', 'postgres');
  const t1 = Date.now();
  system = await startSystem({
    ...stack.addresses,
    PROJECTORS: 'feeds,counters,search',
    // A mutation in flight when Cassandra goes waits for its outcome long enough to see it go.
    MUTATION_WAIT_MS: String(MUTATION_WAIT_MS),
    SUBGRAPH_TIMEOUT_MS: '30000',
  });
  cleanups.add('stopping the services', () => system.stop());
  watch = await watchTopics([stack.addresses.KAFKA_BROKERS!]);
  cleanups.add('stopping the topic watch', () => watch.stop());

  // Distinct aggregates: the writers decide these side by side.
  await Promise.all(
    [viewer, ...everyAuthor, ...fans].map(async (user) => {
      as[user] = await gatewayClient(system.gatewayUrl, user);
      await applied(
        as[user]!,
        CREATE_PROFILE,
        { input: { username: user.replace('-', '_'), displayName: `Resilience ${user}` } },
        'createProfile',
      );
    }),
  );
  for (const author of everyAuthor) {
    await applied(as[viewer]!, FOLLOW, { u: author, m: `follow-${author}` }, 'follow');
    addFollow(viewer, author);
  }
  console.log(
    `resilience/cassandra: private engines up in ${(t1 - t0) / 1000} s, services and users in ${(Date.now() - t1) / 1000} s`,
  );
}, 480_000);

afterAll(() => cleanups.runAll(), 180_000);

describe('Cassandra stopped and restarted under load', () => {
  it('keeps accepting commands, loses none, applies none twice, and every read model catches up', async () => {
    onTestFailed(() => {
      // Kept on purpose: the only trace of what the services saw.
      const file = join(tmpdir(), `resilience-cassandra-${run}.log`);
      system.writeLog(file);
      console.error(`resilience: the services' logs are in ${file}`);
    });
    const answers: Array<Answered<unknown>> = [];
    const clientOptions = () => ({ retryable: RETRYABLE, pauseMs: 500, deadline: Date.now() + 180_000 });
    const fromClient = <T>(answered: Answered<T>, what: string) => {
      answers.push(answered);
      expect(answered.payload.status, JSON.stringify(answered.payload)).not.toBe('REJECTED');
      addCommand(answered.payload.commandId, `${what}, answered ${answered.attempts.map((t) => t.answer).join(' ')}`);
      return answered.payload;
    };

    // Two clients through the gateway, each resending a mutation with its idempotency key
    // until it gets a payload, and a third publishing commands straight to Kafka.
    const posting = steadyLoad(async (n) => {
      const author = authors[n % authors.length]!;
      const answered = await sendUntilAnswered<{ post: { id: string } | null }>(
        as[author]!,
        CREATE_POST,
        {
          input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `${marker} number ${n}`, clientMutationId: `p${n}` },
        },
        'createPost',
        clientOptions(),
      );
      const payload = fromClient(answered, `createPost p${n} by ${author}`);
      const postId = createdIdFor(payload.commandId, 'post');
      addPost(author, postId);
      if (payload.status === 'APPLIED') model.appliedPosts.push(postId);
    }, 100);
    const commenting = steadyLoad(async (n) => {
      const postId = model.appliedPosts[(n * 7) % Math.max(1, model.appliedPosts.length)];
      if (postId === undefined) return;
      const answered = await sendUntilAnswered(
        as[viewer]!,
        COMMENT,
        { p: postId, t: `comment ${n}`, m: `c${n}` },
        'commentOnPost',
        clientOptions(),
      );
      fromClient(answered, `commentOnPost c${n} on ${postId}`);
      model.commentsByPost.set(postId, (model.commentsByPost.get(postId) ?? 0) + 1);
    }, 250);
    // Each fan follows each author in turn, one follow at a time: some before, one through,
    // some after the outage.
    const pairs = fans.flatMap((fan) => everyAuthor.map((author) => [fan, author] as const));
    const following = steadyLoad(async (n) => {
      const pair = pairs[n];
      if (pair === undefined) return;
      const [fan, author] = pair;
      const answered = await sendUntilAnswered(as[fan]!, FOLLOW, { u: author, m: `f${n}` }, 'follow', clientOptions());
      fromClient(answered, `follow f${n} of ${author} by ${fan}`);
      addFollow(fan, author);
    }, 1_500);
    const publisher = await createCommandPublisher([stack.addresses.KAFKA_BROKERS!]);
    cleanups.add('disconnecting the command publisher', () => publisher.disconnect());
    const published: PublishedCommand[] = [];
    const publishing = steadyLoad(async (n) => {
      const command = await publisher.createPost(directAuthor, `${marker} direct ${n}`);
      published.push(command);
      addCommand(command.commandId, `CreatePost #${n} straight to Kafka`);
      addPost(directAuthor, command.postId);
    }, 200);
    cleanups.add('stopping the load', () => stopLoads(posting, commenting, following, publishing));

    await sleep(4_000);

    // Cassandra goes while both kinds of consumer have work in hand. The projectors pause a
    // moment first (a lagging projector), so events wait for them; the writers pause just
    // before Cassandra stops (a lagging writer), so a mutation is in flight: its command is in
    // Kafka, still undecided, when its wait for the outcome fails.
    system.signal('projectors', 'SIGSTOP');
    await sleep(1_000);
    system.signal('writers', 'SIGSTOP');
    const inFlightId = commandIdFor({
      // The private system's services run with the local secret.
      secret: process.env.ID_DERIVATION_SECRET ?? LOCAL_ID_DERIVATION_SECRET,
      viewerId: authors[0],
      mutation: 'createPost',
      idempotencyKey: 'in-flight',
    });
    const inFlight = as[authors[0]]!.request<{ createPost: { status: string; commandId: string } }>(CREATE_POST, {
      input: {
        kind: 'TEXT',
        audience: 'FOLLOWERS',
        caption: `${marker} in flight`,
        clientMutationId: 'in-flight',
      },
    });
    await eventually('the in-flight command on posts.commands', async () =>
      watch.commandIds.includes(inFlightId) ? true : undefined,
    );
    addCommand(inFlightId, 'createPost in flight');
    addPost(authors[0], createdIdFor(inFlightId, 'post'));

    const stoppingAt = Date.now();
    const stopping = stack.down('cassandra');
    // The mutation answers as soon as Cassandra stops answering it; the writers go on at once,
    // the projectors once Cassandra is gone, so that they meet the outage with events in hand.
    const inFlightAnswer = await inFlight;
    system.signal('writers', 'SIGCONT');
    expect(await stopping).toMatch(/cassandra\s+stopped/);
    const downAt = Date.now();
    system.signal('projectors', 'SIGCONT');

    // Reads that need Cassandra fail with a code a client understands, not a crash.
    const someAppliedPost = model.appliedPosts[0]!;
    const read = await as[viewer]!.request('query($id: ID!) { post(id: $id) { id } }', { id: someAppliedPost });
    await sleep(OUTAGE_MS);
    const upStartedAt = Date.now();
    await stack.up('cassandra');
    const upAt = Date.now();
    // Mutations go through again once the subgraphs' drivers have reconnected; then a little
    // more load. The deadline is generous: the services keep cassandra-driver's default
    // reconnection schedule (exponential, 1 s doubling up to 10 min), so after a minute-long
    // outage the next reconnection can be a minute away (measured 12-54 s on a loaded machine).
    const acceptedAgainAt = await eventually(
      'a mutation answered with a payload after Cassandra came back',
      async () => {
        const times = answers
          .flatMap((a) => a.attempts)
          .filter((t) => t.at > upAt && ['APPLIED', 'ACCEPTED'].includes(t.answer));
        return times.length > 0 ? Math.min(...times.map((t) => t.at)) : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 200 },
    );
    await sleep(3_000);
    await Promise.all([posting, commenting, following, publishing].map((load) => load.stop()));
    const loadStoppedAt = Date.now();
    const duringOutage = published.filter((c) => c.acknowledgedAt > downAt && c.acknowledgedAt < upStartedAt);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `resilience/cassandra: ${model.commands.size} commands: ${answers.length} mutations through the gateway ` +
        `(answers ${JSON.stringify(Object.fromEntries(tally(answers.flatMap((a) => a.attempts.map((t) => t.answer)))))}), ` +
        `${published.length} straight to Kafka (${duringOutage.length} acknowledged while Cassandra was down); ` +
        `stopping took ${seconds(downAt - stoppingAt)}, down ${seconds(upStartedAt - downAt)}, ` +
        `starting ${seconds(upAt - upStartedAt)}; after it was back, the writers decided again in ` +
        `${seconds(Math.min(...watch.outcomes.filter((o) => o.receivedAt > upAt).map((o) => o.receivedAt)) - upAt)}, ` +
        `mutations were answered again in ${seconds(acceptedAgainAt - upAt)}; ` +
        `${[...model.follows.values()].reduce((n, f) => n + f.size, 0)} follows in all; the slowest answer took ` +
        `${seconds(Math.max(...answers.flatMap((a) => a.attempts.map((t) => t.ms))))}`,
    );
    for (const load of [posting, commenting, following, publishing]) expect(load.failure()).toBeUndefined();
    // No answer was a hang: a mutation answers within its wait for the outcome and a little more.
    const slowest = Math.max(...answers.flatMap((a) => a.attempts.map((t) => t.ms)));
    expect(slowest).toBeLessThan(MUTATION_WAIT_MS + 5_000);

    // The in-flight mutation's command was durably in Kafka: the payload says ACCEPTED.
    expect.soft(errorCodes(inFlightAnswer), JSON.stringify(inFlightAnswer)).toEqual([]);
    expect.soft(inFlightAnswer.data?.createPost).toMatchObject({ status: 'ACCEPTED', commandId: inFlightId });
    expect
      .soft({ status: read.status, codes: errorCodes(read) })
      .toEqual({ status: 200, codes: ['STORE_UNAVAILABLE'] });
    // Commands kept being accepted by Kafka all through the outage.
    expect(duringOutage.length).toBeGreaterThanOrEqual(OUTAGE_MS / 1_000);

    // Every command is decided exactly once, and nothing went to the dead-letter topic.
    await eventually(
      'an outcome for every command sent',
      async () =>
        [...model.commands].every((id) => watch.outcomes.some((o) => o.commandId === id)) ? true : undefined,
      { timeoutMs: 150_000 },
    );
    const outcomesPerCommand = tally(watch.outcomes.map((o) => o.commandId));
    expect([...outcomesPerCommand.keys()].sort()).toEqual([...model.commands].sort());
    // A client's resend of an undecided command puts a second copy in Kafka; the writer answers
    // each copy, from its decision log: an outcome record for every command record, one decision.
    // A batch whose offsets could not be committed (the group's session expired while Cassandra
    // was away) is redelivered and answered again from the log, as after a crash
    // (writers/src/writer/crashSafety.int.spec.ts): a copy may be answered more than once, never
    // with another decision (below).
    const copiesPerCommand = tally(watch.commandIds);
    expect([...outcomesPerCommand].filter(([id, count]) => count < (copiesPerCommand.get(id) ?? 0))).toEqual([]);
    const decisions = new Map<string, Set<string>>();
    for (const o of watch.outcomes) {
      const decision = JSON.stringify([o.status, o.reasonCode, o.decidedAt, o.eventIds]);
      decisions.set(o.commandId, (decisions.get(o.commandId) ?? new Set()).add(decision));
    }
    expect([...decisions].filter(([, distinct]) => distinct.size !== 1)).toEqual([]);
    expect(
      watch.outcomes.filter((o) => o.status !== 'APPLIED').map((o) => ({ ...o, sent: model.sent.get(o.commandId) })),
    ).toEqual([]);
    expect(watch.deadLetters()).toBe(0);

    // The system of record and the read models, straight from Cassandra, match the model.
    const client = new cassandra.Client({
      contactPoints: [stack.addresses.CASSANDRA_CONTACT_POINTS!],
      localDataCenter: 'datacenter1',
      keyspace: 'verograph',
      // The private stack shares the credentials of the stack the test signs in to (privateStack.ts).
      authProvider: cassandraSignIn(),
    });
    cleanups.add('closing the Cassandra client', () => client.shutdown());
    const column = async (cql: string, params: unknown[], name: string) =>
      (await client.execute(cql, params, { prepare: true, fetchSize: 10_000 })).rows.map((r) => String(r.get(name)));
    const expectedFeed = allPosts();
    await eventually(
      'the viewer feed to hold every post',
      async () => {
        const feed = await column('SELECT post_id FROM feed_by_viewer WHERE viewer_id = ?', [viewer], 'post_id');
        return feed.length >= expectedFeed.size ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    for (const [author, posts] of model.postsByAuthor) {
      const rows = await column('SELECT post_id FROM posts_by_author WHERE author_id = ?', [author], 'post_id');
      expect(rows.length, `posts_by_author rows of ${author}`).toBe(posts.size);
      expect(new Set(rows)).toEqual(posts);
    }
    for (const postId of expectedFeed) {
      const comments = model.commentsByPost.get(postId) ?? 0;
      const row = (
        await client.execute('SELECT comment_count FROM posts WHERE id = ?', [postId], { prepare: true })
      ).first();
      expect(Number(row?.get('comment_count') ?? 0), `comment_count of ${postId}`).toBe(comments);
      const stored = await column('SELECT comment_id FROM comments_by_post WHERE post_id = ?', [postId], 'comment_id');
      expect(stored.length, `comments of ${postId}`).toBe(comments);
    }
    const feedRows = await column('SELECT post_id FROM feed_by_viewer WHERE viewer_id = ?', [viewer], 'post_id');
    expect(feedRows.length).toBe(expectedFeed.size);
    expect(new Set(feedRows)).toEqual(expectedFeed);
    const counts = async (user: string) => {
      const row = (
        await client.execute('SELECT follower_count, following_count FROM user_counts WHERE user_id = ?', [user], {
          prepare: true,
        })
      ).first();
      return {
        followers: Number(row?.get('follower_count') ?? 0),
        following: Number(row?.get('following_count') ?? 0),
      };
    };
    for (const [follower, followees] of model.follows) {
      const rows = await column(
        'SELECT followee_id FROM follows_by_follower WHERE follower_id = ?',
        [follower],
        'followee_id',
      );
      expect(new Set(rows), `follows of ${follower}`).toEqual(followees);
      expect(rows.length, `follows of ${follower}`).toBe(followees.size);
    }
    for (const author of everyAuthor) {
      const rows = await column(
        'SELECT follower_id FROM follows_by_followee WHERE followee_id = ?',
        [author],
        'follower_id',
      );
      const followers = [...model.follows].filter(([, f]) => f.has(author)).map(([follower]) => follower);
      expect(rows.sort(), `followers of ${author}`).toEqual(followers.sort());
    }
    for (const user of [viewer, ...everyAuthor, ...fans]) {
      const expected = { followers: followerCount(user), following: model.follows.get(user)?.size ?? 0 };
      await eventually(
        `the counts of ${user} to be ${JSON.stringify(expected)}`,
        async () => (JSON.stringify(await counts(user)) === JSON.stringify(expected) ? true : undefined),
        { timeoutMs: 30_000 },
      );
      const seen = await as[viewer]!.request<{ user: { followerCount: number; followingCount: number } }>(COUNTS, {
        id: user,
      });
      expect(seen.data?.user, user).toEqual({ followerCount: expected.followers, followingCount: expected.following });
    }

    // The search index holds every post once, and the viewer's search finds each once.
    const elasticsearch = new ElasticsearchClient({ node: stack.addresses.ELASTICSEARCH_URL! });
    cleanups.add('closing the Elasticsearch client', () => elasticsearch.close());
    const allIds = [...expectedFeed].sort();
    await eventually(
      'the search index to hold every post',
      async () =>
        (await indexedIds(elasticsearch, 'posts', 'author_id', everyAuthor)).length >= allIds.length ? true : undefined,
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect((await indexedIds(elasticsearch, 'posts', 'author_id', everyAuthor)).sort()).toEqual(allIds);
    const found = await searchAll(as[viewer]!, marker);
    expect(found.errors).toEqual([]);
    expect(found.posts.sort()).toEqual(allIds);

    // And the client sees the same through the gateway: every post once, newest first.
    const feed: Array<{ id: string; createdAt: string; commentCount: number }> = [];
    for (let after: string | null = null; ;) {
      type Page = {
        feed: {
          edges: Array<{ node: { id: string; createdAt: string; commentCount: number } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const page: GraphQLResult<Page> = await as[viewer]!.request<Page>(FEED_PAGE, { after });
      expect(page.errors).toBeUndefined();
      feed.push(...page.data!.feed.edges.map((e) => e.node));
      if (!page.data!.feed.pageInfo.hasNextPage) break;
      after = page.data!.feed.pageInfo.endCursor;
    }
    expect(feed.length).toBe(expectedFeed.size);
    expect(new Set(feed.map((p) => p.id))).toEqual(expectedFeed);
    const times = feed.map((p) => Date.parse(p.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const post of feed) expect(post.commentCount, post.id).toBe(model.commentsByPost.get(post.id) ?? 0);

    // Nobody died of the outage: they waited and retried.
    expect(system.exited()).toEqual([]);
    expect(system.fatalLines()).toEqual([]);
    expect(await system.metric('writers', 'message_retries_total')).toBeGreaterThan(0);
    expect(await system.metric('projectors', 'message_retries_total')).toBeGreaterThan(0);

    const resent = [...copiesPerCommand.values()].filter((n) => n > 1).length;
    console.log(
      `resilience/cassandra: caught up ${seconds(Date.now() - loadStoppedAt)} after the load stopped; ` +
        `${resent} commands were in Kafka twice (a client resent them undecided) and were decided once`,
    );
  }, 600_000);
});
