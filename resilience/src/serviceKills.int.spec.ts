/**
 * Each service killed with `kill -9` under load, one at a time, and started again from its
 * built bundle (`npm run build`), as a supervisor would: a gateway, the posts subgraph, a
 * writer and a projector. Two gateways, two writers and two projectors run at once (the
 * consumers in one group each), so the killed consumer's partitions move to its twin and back.
 * Authors post through the gateways (resending with their idempotency key on a retryable
 * answer or a broken connection), and two viewers follow their feed live, one through the
 * gateway that is killed: it resumes from its last cursor.
 *
 * Afterwards every command is decided exactly once, the feed holds every post once, and each
 * live viewer received every post once, in order: nothing missed, nothing duplicated. Prints
 * each service's time from restart to ready, and how long each consumer group stalled.
 *
 * Builds the bundles first (`npm run build`: dist/<service>/main.mjs). Runs on private engines.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { repoRoot } from '@verograph/stack';
import { createdIdFor } from '@verograph/subgraph-kit';

import { createCleanups } from './cleanups.ts';
import { expectEachDecidedOnce } from './decisions.ts';
import {
  CREATE_POST,
  CREATE_PROFILE,
  FOLLOW,
  gatewayClient,
  sendOnce,
  sendUntilAnswered,
  type Answered,
  type GatewayClient,
  type GraphQLResult,
} from './gatewayClient.ts';
import { createPrivateStack, type PrivateStack } from './privateStack.ts';
import { failoverClient, resumingFeed, type ResumingFeed } from './resumingFeed.ts';
import { eventually, steadyLoad, stopLoads } from './steadyLoad.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { tally, watchTopics, type TopicWatch } from './topicWatch.ts';

const run = randomUUID().slice(0, 8);
const viewers = [`viewer0-${run}`, `viewer1-${run}`] as const;
const authors = [`alice-${run}`, `bob-${run}`] as const;
/**
 * What a client retries with the same idempotency key: a store away, or the subgraph behind the
 * gateway gone (killed, restarting); a gateway that cannot be reached is failed over from.
 */
const RETRYABLE = new Set(['STORE_UNAVAILABLE', 'SUBGRAPH_UNAVAILABLE']);
/** Services killed one after the other, the first instance of each. */
const VICTIMS = ['gateway', 'posts', 'writers', 'projectors'] as const;

const FEED_PAGE = `query($after: String) { feed(first: 100, after: $after) {
  edges { node { id } } pageInfo { hasNextPage endCursor } } }`;

const sent = new Map<string, string>();
/** Every post, and when its first attempt was sent. */
const posts = new Map<string, { sentAt: number }>();

const cleanups = createCleanups();
let stack: PrivateStack;
let system: RunningSystem;
let watch: TopicWatch;
const as: Record<string, GatewayClient> = {};

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
  // The bundles the killed services restart from, built from the sources under test (~1 s).
  execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/src/build.ts')], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const t0 = Date.now();
  stack = await createPrivateStack(['kafka', 'cassandra', 'elasticsearch', 'postgres']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka', 'cassandra', 'elasticsearch', 'postgres');
  const t1 = Date.now();
  system = await startSystem({ ...stack.addresses, SUBGRAPH_TIMEOUT_MS: '15000' });
  cleanups.add('stopping the services', () => system.stop());
  // The twins: a second gateway, and a second member of every writer and projector group.
  await Promise.all(['gateway', 'writers', 'projectors'].map((name) => system.addInstance(name)));
  watch = await watchTopics([stack.addresses.KAFKA_BROKERS!]);
  cleanups.add('stopping the topic watch', () => watch.stop());
  await Promise.all(
    [...viewers, ...authors].map(async (user) => {
      const client = await gatewayClient(system.gatewayUrl, user);
      const payload = await sendOnce(
        client,
        CREATE_PROFILE,
        { input: { username: user.replace('-', '_'), displayName: `Resilience ${user}` } },
        'createProfile',
      );
      sent.set(payload.commandId, `createProfile ${user}`);
      const urls = system.instances('gateway').map((g) => `${g.url}/graphql`);
      as[user] = failoverClient(await Promise.all(urls.map((url) => gatewayClient(url, user))));
    }),
  );
  for (const viewer of viewers) {
    for (const author of authors) {
      const payload = await sendOnce(as[viewer]!, FOLLOW, { u: author, m: `follow-${author}` }, 'follow');
      expect(payload.status).toBe('APPLIED');
      sent.set(payload.commandId, `follow ${author} by ${viewer}`);
    }
  }
  console.log(
    `resilience/kills: private engines up in ${(t1 - t0) / 1000} s, services and users in ${(Date.now() - t1) / 1000} s`,
  );
}, 480_000);

afterAll(() => cleanups.runAll(), 180_000);

describe('services killed with kill -9 under load, and restarted from their bundles', () => {
  it('loses nothing, duplicates nothing, live viewers resume from their cursors, and prints each time to ready', async () => {
    onTestFailed(() => {
      const file = join(tmpdir(), `resilience-kills-${run}.log`);
      system.writeLog(file);
      console.error(`resilience: the services' logs are in ${file}`);
    });
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const gateways = system.instances('gateway').map((g) => `${g.url}/graphql`);
    // Viewer 0 watches through the gateway that is killed first, viewer 1 through its twin.
    const feeds: ResumingFeed[] = await Promise.all([
      resumingFeed(gateways, viewers[0]),
      resumingFeed([...gateways].reverse(), viewers[1]),
    ]);
    cleanups.add('stopping the live viewers', () => Promise.all(feeds.map((f) => f.stop())));
    await Promise.all(feeds.map((f) => f.ready));
    const watchingSince = Date.now();

    const answers: Array<Answered<unknown>> = [];
    const posting = steadyLoad(async (n) => {
      const author = authors[n % authors.length]!;
      const sentAt = Date.now();
      const answered = await sendUntilAnswered(
        as[author]!,
        CREATE_POST,
        { input: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `number ${n}`, clientMutationId: `p${n}` } },
        'createPost',
        { retryable: RETRYABLE, pauseMs: 250, deadline: Date.now() + 120_000 },
      );
      answers.push(answered);
      expect(['APPLIED', 'ACCEPTED'], JSON.stringify(answered.payload)).toContain(answered.payload.status);
      sent.set(
        answered.payload.commandId,
        `createPost p${n} by ${author}, answered ${answered.attempts.map((t) => t.answer).join(' ')}`,
      );
      posts.set(createdIdFor(answered.payload.commandId, 'post'), { sentAt });
    }, 150);
    cleanups.add('stopping the load', () => stopLoads(posting));
    await sleep(3_000);

    // Each viewer holds a cursor before the first kill: a resume without one gets only new events.
    await eventually('a live update for each viewer', async () =>
      feeds.every((f) => f.received.length > 0) ? true : undefined,
    );
    const kills: Array<{ service: string; killedAt: number; restartedAt: number; readyMs: number }> = [];
    for (const name of VICTIMS) {
      const victim = system.instances(name)[0]!;
      const killedAt = Date.now();
      await system.kill(victim);
      // Down long enough for clients and the group coordinator to notice.
      await sleep(2_000);
      const restartedAt = Date.now();
      const { readyMs } = await system.restart(victim);
      kills.push({ service: name, killedAt, restartedAt, readyMs });
      await sleep(4_000);
    }
    await sleep(3_000);
    await posting.stop();
    expect(posting.failure()).toBeUndefined();

    // The longest pause in the writers' decisions and in each viewer's live feed around each kill.
    const longestGap = (times: number[], from: number, to: number) => {
      const inside = times.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
      let gap = 0;
      for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i]! - inside[i - 1]!);
      return gap;
    };
    const decidedAt = watch.outcomes.map((o) => o.receivedAt);
    const attempts = answers.flatMap((a) => a.attempts);
    console.log(
      `resilience/kills: ${posts.size} posts; answers ${JSON.stringify(Object.fromEntries(tally(attempts.map((t) => t.answer))))}, ` +
        `slowest ${seconds(Math.max(...attempts.map((t) => t.ms)))}; gateway failovers ` +
        `${authors.map((a) => (as[a] as ReturnType<typeof failoverClient>).failovers()).join('+')}`,
    );
    for (const k of kills) {
      const window = [k.killedAt, k.restartedAt + k.readyMs + 4_000] as const;
      console.log(
        `resilience/kills: ${k.service.padEnd(10)} restart → ready ${seconds(k.readyMs)} (from dist/${k.service}/main.mjs); ` +
          `longest pause in decisions ${seconds(longestGap(decidedAt, ...window))}, ` +
          `in live feeds ${feeds
            .map((f) =>
              seconds(
                longestGap(
                  f.received.map((r) => r.at),
                  ...window,
                ),
              ),
            )
            .join(' / ')}`,
      );
    }

    // Every command decided once; the feed holds every post once.
    const { resent } = await expectEachDecidedOnce(watch, sent);
    const everyPost = new Set(posts.keys());
    await eventually(
      'the feed to hold every post',
      async () => ((await feedIds(as[viewers[0]]!)).length >= everyPost.size ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const feed = await feedIds(as[viewers[0]]!);
    expect(feed.length).toBe(everyPost.size);
    expect(new Set(feed)).toEqual(everyPost);

    // Each live viewer got every post sent after it was watching, once, and nothing else.
    const expectedLive = [...posts].filter(([, p]) => p.sentAt > watchingSince + 1_000).map(([id]) => id);
    for (const [i, live] of feeds.entries()) {
      await eventually(
        `viewer ${i}'s live feed to deliver every post`,
        async () => {
          const got = new Set(live.received.map((r) => r.postId));
          return expectedLive.every((id) => got.has(id)) ? true : undefined;
        },
        { timeoutMs: 60_000 },
      ).catch((error: unknown) => {
        const got = new Set(live.received.map((r) => r.postId));
        throw new Error(
          `${String(error)}: missing ${JSON.stringify(expectedLive.filter((id) => !got.has(id)).map((id) => ({ id, ...posts.get(id) })))}; ` +
            `kills ${JSON.stringify(kills)}; ` +
            `resumes ${JSON.stringify(live.resumes)}`,
        );
      });
      const delivered = live.received.map((r) => r.postId);
      expect(
        [...tally(delivered)].filter(([, n]) => n > 1),
        `viewer ${i} got twice`,
      ).toEqual([]);
      expect(
        delivered.filter((id) => !everyPost.has(id)),
        `viewer ${i} got a post nobody sent`,
      ).toEqual([]);
      // In order: one viewer's feed is one partition, and its cursors (partition, offset) only grow.
      const offsets = live.received.map((r) => Number(Buffer.from(r.cursor, 'base64url').toString().split('.')[2]));
      expect(offsets, `viewer ${i}'s cursors`).toEqual([...offsets].sort((a, b) => a - b));
    }
    // Viewer 0's gateway was killed under it: it resumed at least once.
    expect(feeds[0]!.resumes.length).toBeGreaterThan(0);

    expect(system.exited()).toEqual([]);
    expect(system.fatalLines()).toEqual([]);
    console.log(
      `resilience/kills: ${resent} commands were in Kafka twice and decided once; live viewers resumed ` +
        `${feeds.map((f) => f.resumes.length).join(' / ')} times (after ${feeds.map((f) => f.failedDeliveries()).join(' / ')} ` +
        `failed deliveries), received ${feeds.map((f) => f.received.length).join(' / ')} updates`,
    );
  }, 480_000);
});
